using Declaration.BuildingBlocks.Hosting;
using Declaration.BuildingBlocks.Testing;

namespace Declaration.EndToEndTests;

/// <summary>
/// The built host as a real child process (<c>dotnet Declaration.Host.dll</c>, as systemd would start it) in the Production
/// environment: it refuses the demo keys of appsettings.json and missing keys, for the web host and every verb, before touching
/// the database; <c>seed-demo</c> refuses; a key id the database knows with another key refuses too.
/// </summary>
public sealed class ProductionGuardTests
{
    /// <summary>No database listens here: a refusal that comes from the guard never gets as far as connecting.</summary>
    private static readonly string Nowhere = $"Host=127.0.0.1;Port={LocalPostgresCluster.FreePort()};Username=postgres;Database=declaration;Timeout=3";

    private static Dictionary<string, string?> Production(Dictionary<string, string?>? extra = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = null,
        };
        foreach (var (key, value) in extra ?? []) environment[key] = value;
        return environment;
    }

    /// <summary>The keys of appsettings.json: the test settings' keys removed from the environment.</summary>
    private static readonly Dictionary<string, string?> DemoKeys = new()
    {
        ["Declaration__PersonalData__EncryptionKey"] = null,
        ["Declaration__PersonalData__BlindIndexKey"] = null,
    };

    [Test]
    public async Task WebHost_InProductionWithTheDemoKeys_RefusesToStart()
    {
        var result = await CliRunner.RunAsync(Nowhere, Production(DemoKeys), "--urls", "http://127.0.0.1:0");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(78), result.StandardError);
            Assert.That(result.StandardError, Does.Contain("拒绝启动").And.Contain("Declaration:PersonalData:EncryptionKey 是 appsettings.json 中公开的演示密钥"));
            Assert.That(result.StandardError, Does.Contain("Declaration:PersonalData:BlindIndexKey 是 appsettings.json 中公开的演示密钥"));
        });
    }

    [Test]
    public async Task WebHost_InProductionWithoutKeys_RefusesToStart()
    {
        var result = await CliRunner.RunAsync(Nowhere, Production(new()
        {
            ["Declaration__PersonalData__EncryptionKey"] = "",
            ["Declaration__PersonalData__BlindIndexKey"] = "",
        }), "--urls", "http://127.0.0.1:0");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(78), result.StandardError);
            Assert.That(result.StandardError, Does.Contain("未配置 Declaration:PersonalData:EncryptionKey").And.Contain("未配置 Declaration:PersonalData:BlindIndexKey"));
        });
    }

    [Test]
    public async Task Verbs_InProductionWithTheDemoKeys_Refuse()
    {
        var result = await CliRunner.RunAsync(Nowhere, Production(DemoKeys), "migrate");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(78), result.StandardError);
            Assert.That(result.StandardError, Does.Contain("公开的演示密钥"));
        });
    }

    [Test]
    public async Task SeedDemo_InProduction_Refuses_EvenWithGoodKeys()
    {
        var refused = await CliRunner.RunAsync(Nowhere, Production(), "seed-demo");
        Assert.Multiple(() =>
        {
            Assert.That(refused.ExitCode, Is.EqualTo(78), refused.StandardError);
            Assert.That(refused.StandardError, Does.Contain("拒绝执行 seed-demo"));
        });
    }

    [Test]
    public async Task Production_WithItsOwnKeys_Starts()
    {
        // The control: the same process, with the test's own keys, migrates the suite's database and exits 0.
        var result = await CliRunner.RunAsync(E2E.ConnectionString, Production(), "migrate");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StandardError);
    }

    [Test]
    public async Task AKeyIdTheDatabaseKnowsWithAnotherKey_RefusesToStart()
    {
        // The suite's database was written with the test keys under id 1; the demo keys under the same id must not be used on it.
        var result = await CliRunner.RunAsync(E2E.ConnectionString, new Dictionary<string, string?>(DemoKeys) { ["DOTNET_ENVIRONMENT"] = "Demo" }, "migrate");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(78), result.StandardError);
            Assert.That(result.StandardError, Does.Contain("个人信息加密密钥 id 1 与数据库中此前使用的 id 1 密钥不同"));
        });
    }
}
