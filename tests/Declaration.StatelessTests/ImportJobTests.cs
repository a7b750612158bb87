using System.Text;
using System.Text.Json;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Testing;
using Declaration.Host.Web;
using Microsoft.Extensions.DependencyInjection;
using static Declaration.StatelessTests.TwoInstances;

namespace Declaration.StatelessTests;

/// <summary>
/// Admin imports as background jobs any host may run: the file and the job in the database, progress visible from every
/// instance while the import's transaction is open, and an attempt that dies mid-way redone by another instance exactly once.
/// </summary>
public sealed class ImportJobTests
{
    private const int Rows = 3000;

    [SetUp]
    public Task ResetAsync() => A.ResetAsync();

    /// <summary>A minimum-wages file of <see cref="Rows"/> distinct rows (one region, one day after another).</summary>
    private static MemoryStream MinimumWages()
    {
        var text = new StringBuilder("region_code,effective_from,monthly_minimum\n");
        for (var i = 0; i < Rows; i++) text.Append("330100,").Append(new DateOnly(2000, 1, 1).AddDays(i).ToString("yyyy-MM-dd")).Append(",2490\n");
        return new MemoryStream(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static Task<Guid> UploadOnAAsync(Stream content, string kind = "minimum-wages") =>
        InScopeAsync(A.Services, sp => sp.GetRequiredService<ImportJobs>()
            .CreateAsync(kind, content, "最低工资.csv", 100 * 1024 * 1024, TestUsers.Admin, CancellationToken.None), TestUsers.Admin);

    private static Task<ImportJobStatus> StatusOnBAsync(Guid id) =>
        InScopeAsync(B, async sp => (await sp.GetRequiredService<ImportJobs>().GetAsync(id, CancellationToken.None))!);

    private static Task<long> MinimumWageRowsAsync() =>
        InScopeAsync(B, sp => sp.GetRequiredService<IDbSession>().QuerySingleAsync<long>(
            "SELECT count(*) FROM certification.minimum_wage WHERE region_code = '330100' AND effective_from >= '2000-01-01' AND effective_from < '2010-01-01'",
            null, CancellationToken.None));

    [Test]
    public async Task ProgressOfAnImportRunningOnOneInstance_IsVisibleFromAnother_ThenItsOutcome()
    {
        var id = await UploadOnAAsync(MinimumWages());
        Assert.That((await StatusOnBAsync(id)).State, Is.EqualTo(ImportJobStates.Queued));

        var progressed = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hooks = new ImportFileJobHooks
        {
            AfterProgress = async (_, lines) =>
            {
                progressed.TrySetResult(lines);
                await release.Task;
            },
        };
        var run = Task.Run(() => ImportJobOf(A.Services, hooks).RunCoreAsync(id, final: false, CancellationToken.None));
        await progressed.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The import's transaction is open on instance A: B sees the job running there, with the lines read, and no rows yet.
        var during = await StatusOnBAsync(id);
        Assert.Multiple(async () =>
        {
            Assert.That(during.State, Is.EqualTo(ImportJobStates.Running));
            Assert.That(during.Host, Is.EqualTo("instance-a"));
            Assert.That(during.LinesRead, Is.InRange(1, Rows));
            Assert.That(during.Attempts, Is.EqualTo(1));
            Assert.That(await MinimumWageRowsAsync(), Is.Zero, "nothing committed while the import runs");
        });

        release.SetResult();
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(60));
        var after = await StatusOnBAsync(id);
        var stored = JsonSerializer.Deserialize<ImportOutcome>(after.Outcome!, ImportFileJob.Json)!;
        Assert.Multiple(async () =>
        {
            Assert.That(outcome!.Accepted, Is.True);
            Assert.That(after.State, Is.EqualTo(ImportJobStates.Succeeded));
            Assert.That(stored.Rows, Is.EqualTo(Rows));
            Assert.That(stored.Inserted, Is.EqualTo(Rows));
            Assert.That(after.FileId, Is.Null, "the file is removed with the outcome");
            Assert.That(await MinimumWageRowsAsync(), Is.EqualTo(Rows));
        });
    }

    [Test]
    public async Task AnAttemptThatDiesMidway_LeavesNothing_AndAnotherInstanceImportsTheFileOnce()
    {
        var id = await UploadOnAAsync(MinimumWages());
        var crashing = new ImportFileJobHooks { AfterProgress = (_, _) => throw new IOException("host lost") };
        await Assert.ThrowsAsync<IOException>(() => ImportJobOf(A.Services, crashing).RunCoreAsync(id, final: false, CancellationToken.None));
        var failed = await StatusOnBAsync(id);
        Assert.Multiple(async () =>
        {
            Assert.That(failed.State, Is.EqualTo(ImportJobStates.Retrying));
            Assert.That(failed.LastError, Does.Contain("将自动重试"));
            Assert.That(await MinimumWageRowsAsync(), Is.Zero, "the dead attempt's rows are rolled back");
        });

        // The retry lands on instance B; a late duplicate delivery of the same job (on A) does nothing.
        var outcome = await ImportJobOf(B).RunCoreAsync(id, final: false, CancellationToken.None);
        var duplicate = await ImportJobOf(A.Services).RunCoreAsync(id, final: false, CancellationToken.None);
        var after = await StatusOnBAsync(id);
        Assert.Multiple(async () =>
        {
            Assert.That(outcome!.Inserted, Is.EqualTo(Rows));
            Assert.That(duplicate, Is.Null);
            Assert.That(after.State, Is.EqualTo(ImportJobStates.Succeeded));
            Assert.That(after.Host, Is.EqualTo("instance-b"));
            Assert.That(after.Attempts, Is.EqualTo(2));
            Assert.That(await MinimumWageRowsAsync(), Is.EqualTo(Rows));
        });
        var history = await InScopeAsync(B, sp => sp.GetRequiredService<IDbSession>().QuerySingleAsync<long>(
            "SELECT count(*) FROM platform.import_history WHERE kind = 'minimum-wages'", null, CancellationToken.None));
        Assert.That(history, Is.EqualTo(1), "one import recorded");
    }

    [Test]
    public async Task TwoAttemptsAtOnce_WaitForEachOther_AndImportOnce()
    {
        var id = await UploadOnAAsync(MinimumWages());
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hooks = new ImportFileJobHooks { AfterProgress = async (_, _) => { entered.TrySetResult(); await release.Task; } };
        var first = Task.Run(() => ImportJobOf(A.Services, hooks).RunCoreAsync(id, final: false, CancellationToken.None));
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var second = Task.Run(() => ImportJobOf(B).RunCoreAsync(id, final: false, CancellationToken.None));
        await Task.Delay(500);
        Assert.That(second.IsCompleted, Is.False, "the second attempt waits for the first");
        release.SetResult();
        var results = await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Multiple(async () =>
        {
            Assert.That(results.Count(r => r is not null), Is.EqualTo(1));
            Assert.That(await MinimumWageRowsAsync(), Is.EqualTo(Rows));
        });
    }

    [Test]
    public async Task ARejectedFile_IsANormalOutcome_WithLineNumberedErrors()
    {
        var id = await UploadOnAAsync(new MemoryStream(Encoding.UTF8.GetBytes("region_code,effective_from,monthly_minimum\n330100,2025-01-01,2490\n33,2025-13-01,x\n")));
        var outcome = await ImportJobOf(B).RunCoreAsync(id, final: false, CancellationToken.None);
        var after = await StatusOnBAsync(id);
        Assert.Multiple(async () =>
        {
            Assert.That(outcome!.Accepted, Is.False);
            Assert.That(outcome.Errors, Has.Some.Contains("第3行"));
            Assert.That(after.State, Is.EqualTo(ImportJobStates.Rejected));
            Assert.That(after.Outcome, Does.Contain("第3行"));
            Assert.That(await MinimumWageRowsAsync(), Is.Zero);
        });
    }
}
