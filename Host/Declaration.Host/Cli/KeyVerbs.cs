using System.Globalization;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Security;

namespace Declaration.Host.Cli;

/// <summary>
/// <c>rotate-keys [--batch-size N]</c>: re-encrypts, with the current personal-data key (<c>Declaration:PersonalData:EncryptionKey</c>
/// and <c>EncryptionKeyId</c>), every ciphertext that modules declared (<c>AddEncryptedColumns</c>) and that was written with an older
/// key or before key ids — in batches of about N rows, each its own short transaction, while the hosts keep serving. The older keys
/// must stay in <c>EncryptionKeys</c> until it reports no old ciphertext left. Exit 0 when none is left, 3 otherwise.
/// </summary>
internal static class KeyVerbs
{
    public static async Task<int> RotateAsync(CliContext context)
    {
        var batch = context.Option("--batch-size") is { } b
            ? int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 100_000 ? n : throw new CliUsageException("--batch-size 应为 1 至 100000 的整数")
            : 1000;
        var protector = context.Services.GetRequiredService<IPersonalDataProtector>();
        var rotation = context.Services.GetRequiredService<KeyRotation>();
        await Console.Error.WriteLineAsync($"正在用当前密钥（id {protector.CurrentKeyId}）重新加密 {rotation.Tables.Count} 张表中的个人信息密文，每批约 {batch} 行…");
        var results = await rotation.RunAsync(batch, m => Console.Error.WriteLine(m), CancellationToken.None);
        foreach (var r in results)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Table}: {r.Scanned} scanned, {r.Rewritten} re-encrypted in {r.Batches} batches, {r.Passes} passes, {r.Remaining} remaining, {r.Elapsed.TotalSeconds:0.0} s"));

        await using (var scope = context.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IDbSession>();
            await db.BeginAsync(CancellationToken.None);
            await scope.ServiceProvider.GetRequiredService<IAuditLog>().RecordAsync("platform", "personal-data-key", protector.CurrentKeyId.ToString(CultureInfo.InvariantCulture),
                null, "密钥轮换", null, results.Select(r => new { r.Table, r.Rewritten, r.Remaining }).ToList(), CancellationToken.None);
            await db.CommitAsync(CancellationToken.None);
        }
        var remaining = results.Sum(r => r.Remaining);
        if (remaining > 0)
            await Console.Error.WriteLineAsync($"仍有 {remaining} 行旧密钥密文（可能有主机仍在用旧密钥写入）：请确认所有主机均已使用新密钥后再次运行 rotate-keys；在此之前不要删除旧密钥。");
        else
            await Console.Error.WriteLineAsync($"完成：所有密文均已使用密钥 id {protector.CurrentKeyId}。确认所有主机已使用新配置后，可从 EncryptionKeys 中删除旧密钥。");
        return remaining == 0 ? 0 : 3;
    }
}
