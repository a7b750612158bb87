using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Declaration.BuildingBlocks.Security;

/// <summary>
/// At start-up (after migrations): records a check value of every configured personal-data key not seen before, and refuses
/// a key whose id (or blind-index version) the database knows with another key — a reused id would make that id's
/// ciphertexts unreadable, a changed blind-index key would make every lookup and join silently miss.
/// </summary>
public sealed class KeyCheck(NpgsqlDataSource dataSource, IPersonalDataProtector protector)
{
    private static readonly byte[] Text = Encoding.UTF8.GetBytes("Declaration personal-data key check v1");

    public async Task VerifyAsync(CancellationToken ct)
    {
        var p = (PersonalDataProtector)protector;
        var keys = p.Keys.Select(k => (Kind: "encryption", Id: k.Key, Check: HMACSHA256.HashData(k.Value, Text)))
            .Append((Kind: "blind-index", Id: p.BlindIndexVersion, Check: HMACSHA256.HashData(p.IndexKey, Text))).ToList();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // The blind index is a join key across tables and modules: every index in the database has one version, and a host
        // configured with another would find nothing (no online re-index exists; see README "Operations").
        var indexVersions = (await connection.QueryAsync<int>(new CommandDefinition(
            "SELECT key_id FROM platform.key_check WHERE kind = 'blind-index'", cancellationToken: ct))).ToList();
        if (indexVersions.Count > 0 && !indexVersions.Contains(p.BlindIndexVersion))
            throw new KeyMismatchException($"盲索引版本 {p.BlindIndexVersion} 与数据库中的盲索引版本 {string.Join("、", indexVersions)} 不同：所有盲索引必须同一版本，更换盲索引密钥需要重建全部索引（不支持在线进行）。请恢复 Declaration:PersonalData:BlindIndexVersion 与 BlindIndexKey。");
        foreach (var (kind, id, check) in keys)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO platform.key_check (kind, key_id, check_value) VALUES (@kind, @id, @check) ON CONFLICT (kind, key_id) DO NOTHING",
                new { kind, id, check }, cancellationToken: ct));
            var recorded = await connection.QuerySingleAsync<byte[]>(new CommandDefinition(
                "SELECT check_value FROM platform.key_check WHERE kind = @kind AND key_id = @id", new { kind, id }, cancellationToken: ct));
            if (!recorded.AsSpan().SequenceEqual(check))
                throw new KeyMismatchException(kind == "encryption"
                    ? $"个人信息加密密钥 id {id} 与数据库中此前使用的 id {id} 密钥不同：同一 id 不能换用另一把密钥（旧密文将无法解密）。新密钥请使用新的 id（Declaration:PersonalData:EncryptionKeyId），并在 EncryptionKeys 中保留旧密钥直至 rotate-keys 完成。"
                    : $"盲索引密钥（版本 {id}）与数据库中此前使用的不同：更换后所有按身份证号的查找与关联都会失配。请恢复原盲索引密钥（Declaration:PersonalData:BlindIndexKey）。");
        }
    }
}

/// <summary>A configured key differs from the one the database knows under the same id: the host must not start.</summary>
public sealed class KeyMismatchException(string message) : InvalidOperationException(message);
