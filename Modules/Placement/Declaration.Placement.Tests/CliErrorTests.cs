using Declaration.BuildingBlocks.Testing;
using static Declaration.Placement.Tests.PlacementFixture;

namespace Declaration.Placement.Tests;

/// <summary>`./declaration import placements` says in Chinese what failed and what to do — never a bare type name — and keeps the details.</summary>
public sealed class CliErrorTests
{
    [Test]
    public async Task AnUnreachableDatabase_AndAMissingFile_AreExplainedInChinese()
    {
        var unreachable = await CliRunner.RunAsync("Host=127.0.0.1;Port=1;Username=postgres;Database=declaration;Timeout=3", "import", "placements", "placements.csv");
        var missing = await CliRunner.RunAsync(App.Server.ConnectionString, "import", "placements", "/nonexistent/placements.csv");
        Assert.Multiple(() =>
        {
            Assert.That(unreachable.ExitCode, Is.Not.Zero);
            Assert.That(unreachable.StandardError, Does.Contain("“import”失败：无法连接或访问数据库").And.Contain("DECLARATION_DB").And.Contain("没有写入"));
            Assert.That(unreachable.StandardError, Does.Contain("详细信息（供系统管理员排查）").And.Contain("at "), "the full exception follows");
            Assert.That(missing.ExitCode, Is.Not.Zero);
            Assert.That(missing.StandardError, Does.Contain("找不到文件").And.Contain("/nonexistent/placements.csv"));
        });
    }
}
