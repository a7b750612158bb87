using Declaration.BuildingBlocks.Testing;
using static Declaration.Placement.Tests.PlacementFixture;

namespace Declaration.Placement.Tests;

/// <summary><c>./declaration import placements &lt;file&gt;</c> as a real process on the test database.</summary>
public sealed class CliTests
{
    private const string Header = "credit_code,business_year,id_number,name,certificate_number,employment_start,contract_type,contract_start,contract_end,monthly_wage";

    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static async Task<string> FileAsync(params string[] lines)
    {
        var path = Path.Combine(Path.GetTempPath(), $"placements-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(path, string.Join("\n", lines) + "\n");
        return path;
    }

    [Test]
    public async Task ImportPlacements_FromTheCommandLine_RejectsABadFileWhole_ThenImportsAGoodOneOnce()
    {
        await Seed.UnitsAsync(App);
        var good = $"{Seed.UnitA},2025,{Seed.Man},张三,{Seed.ManCertificate},2024-01-01,open_ended,2024-01-01,,5000";
        var bad = await FileAsync(Header, good, $"{Seed.UnitA},2025,{Seed.Woman},李四,{Seed.WomanCertificate},2024-01-01,fixed,2024-01-01,,5000");
        var rejected = await CliRunner.RunAsync(App.Server.ConnectionString, "import", "placements", bad);
        var count = await Seed.DbAsync(App, db => db.ExecuteScalarAsync<long>("SELECT count(*) FROM placement.placement", null, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(rejected.ExitCode, Is.Not.Zero);
            Assert.That(rejected.StandardError, Does.Contain("第3行，列 contract_end"));
            Assert.That(count, Is.Zero);
        });

        var file = await FileAsync(Header, good);
        var first = await CliRunner.RunAsync(App.Server.ConnectionString, "import", "placements", file);
        var second = await CliRunner.RunAsync(App.Server.ConnectionString, "import", "placements", file);
        Assert.Multiple(async () =>
        {
            Assert.That(first.ExitCode, Is.Zero, first.StandardError);
            Assert.That(first.StandardOutput, Does.Contain("placements: 1 rows, 1 inserted, 0 updated"));
            Assert.That(second.StandardOutput, Does.Contain("placements: 1 rows, 0 inserted, 0 updated"));
            Assert.That(await Seed.StateAsync(App, await Seed.DbAsync(App, db => db.ExecuteScalarAsync<Guid>("SELECT id FROM placement.placement", null, CancellationToken.None))),
                Is.EqualTo("AwaitingReview"));
        });
    }
}
