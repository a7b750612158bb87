namespace Declaration.Host.Infrastructure;

/// <summary>
/// What the Production environment refuses (the web host and every command-line verb, before touching the database): the
/// demo personal-data keys shipped in appsettings.json (public, in the repository), missing or malformed keys, and one key used
/// for both purposes. The environment is .NET's (<c>DOTNET_ENVIRONMENT</c> / <c>ASPNETCORE_ENVIRONMENT</c>); unset, it is
/// Production, so a deployment that forgets it is guarded. <c>./run</c> runs as "Demo".
/// </summary>
public static class ProductionGuard
{
    /// <summary>The exit code of a refused start (sysexits EX_CONFIG: a configuration error; systemd need not restart it).</summary>
    public const int ExitCode = 78;

    private static readonly byte[][] DemoKeys =
    [
        Convert.FromBase64String("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtaW4tcHJvZCE="),
        Convert.FromBase64String("ZGVtby1vbmx5LWJsaW5kLWluZGV4LWtleS1wcm9kISE="),
    ];

    public static IReadOnlyList<string> Problems(IHostEnvironment environment, IConfiguration configuration)
    {
        if (!environment.IsProduction()) return [];
        var problems = new List<string>();
        var encryption = Check(configuration["Declaration:PersonalData:EncryptionKey"], "Declaration:PersonalData:EncryptionKey", problems);
        var index = Check(configuration["Declaration:PersonalData:BlindIndexKey"], "Declaration:PersonalData:BlindIndexKey", problems);
        if (encryption is not null && index is not null && encryption.AsSpan().SequenceEqual(index))
            problems.Add("加密密钥与盲索引密钥相同：两者必须是两把不同的密钥。");
        return problems;
    }

    private static byte[]? Check(string? base64, string name, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            problems.Add($"未配置 {name}：生产环境必须配置自己的 32 字节密钥（base64），例如由 `openssl rand -base64 32` 生成，经环境变量 {name.Replace(":", "__", StringComparison.Ordinal)} 提供。");
            return null;
        }
        byte[] key;
        try { key = Convert.FromBase64String(base64.Trim()); }
        catch (FormatException) { key = []; }
        if (key.Length != 32)
        {
            problems.Add($"{name} 不是 32 字节的 base64 密钥。");
            return null;
        }
        if (DemoKeys.Any(d => d.AsSpan().SequenceEqual(key)))
        {
            problems.Add($"{name} 是 appsettings.json 中公开的演示密钥，生产环境不得使用：请换用自己的密钥（见 README“Operations”一节的密钥说明）。");
            return null;
        }
        return key;
    }

    /// <summary>Prints the problems to standard error; true when the start must be refused.</summary>
    public static bool Refuses(IHostEnvironment environment, IConfiguration configuration)
    {
        var problems = Problems(environment, configuration);
        if (problems.Count == 0) return false;
        Console.Error.WriteLine($"拒绝启动：生产环境（{environment.EnvironmentName}）的个人信息密钥配置不安全。");
        foreach (var p in problems) Console.Error.WriteLine($"  - {p}");
        Console.Error.WriteLine("Refusing to start in Production: the personal-data keys are missing or are the public demo keys.");
        return true;
    }
}
