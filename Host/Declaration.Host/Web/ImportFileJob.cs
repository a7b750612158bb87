using System.Text.Json;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Files;
using Declaration.Host.Cli;
using Mediator;

namespace Declaration.Host.Web;

/// <summary>What an import file did: accepted (counts) or rejected (line-numbered errors), as shown on the admin page.</summary>
public sealed record ImportOutcome(string Kind, string FileName, bool Accepted, long Rows, long Inserted, long Updated, string? Sha256,
    IReadOnlyList<string> Errors, long TotalErrors, IReadOnlyList<string> Warnings, string? Message);

/// <summary>Test seam: runs after each progress report of an import job (a test holds the import open, or throws to simulate a crash).</summary>
public sealed class ImportFileJobHooks
{
    public Func<Guid, long, Task>? AfterProgress { get; set; }
}

/// <summary>
/// Runs an uploaded import file (stored in the database with its <c>platform.import_job</c> row) on whichever host's Hangfire
/// worker picks it, as the admin who uploaded it. The import, the job's outcome and the removal of the file commit in one
/// transaction, so an attempt killed mid-way leaves nothing and the next attempt (Hangfire re-fetches a dead worker's job
/// after the invisibility timeout; an exception is retried) starts clean; a transaction-scoped advisory lock makes two attempts
/// at one job wait for each other, and a finished job is never run again. The lines read so far are written to the job's row
/// as the file streams (the page polls it from any host). A rejected file is a normal outcome, not retried.
/// </summary>
public sealed class ImportFileJob(IServiceScopeFactory scopes, IConfiguration configuration, ILogger<ImportFileJob> logger, ImportFileJobHooks? hooks = null)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    public const int Retries = 3;

    [Hangfire.AutomaticRetry(Attempts = Retries, DelaysInSeconds = [5, 30, 120])]
    public async Task RunAsync(Guid importJobId, Hangfire.Server.PerformContext? context)
    {
        var retryCount = context?.GetJobParameter<int>("RetryCount") ?? 0;
        await RunCoreAsync(importJobId, final: retryCount >= Retries, CancellationToken.None);
    }

    /// <summary>Runs the job (or nothing, when another attempt finished it); returns the outcome it recorded.</summary>
    public async Task<ImportOutcome?> RunCoreAsync(Guid importJobId, bool final, CancellationToken ct)
    {
        var host = HostIdentity.Name(configuration);
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<IDbSession>();
        var jobs = services.GetRequiredService<ImportJobs>();
        ImportOutcome? outcome = null;
        ImportJobStatus? job = null;
        try
        {
            await db.BeginAsync(ct);
            job = await jobs.LockForRunAsync(importJobId, ct);
            if (job is null || !await jobs.StartAttemptAsync(importJobId, host, ct))
            {
                await db.RollbackAsync(ct);
                return null;
            }
            services.GetRequiredService<CurrentUserHolder>().User = new ExplicitUser(job.UserId, job.UserName, Role.Admin);
            try
            {
                outcome = await ImportAsync(services, job, ct);
            }
            catch (AppException ex)
            {
                // Rejected: the import's writes are rolled back, then the outcome is recorded in a transaction of its own.
                await db.RollbackAsync(CancellationToken.None);
                outcome = ex is ImportRejectedException rejected
                    ? new ImportOutcome(job.Kind, job.FileName, false, 0, 0, 0, null, rejected.Errors.Select(e => e.ToString()).ToList(), rejected.Total, [], ex.Message)
                    : new ImportOutcome(job.Kind, job.FileName, false, 0, 0, 0, null, [], 0, [], ex.Message);
                await db.BeginAsync(ct);
                if (await jobs.LockForRunAsync(importJobId, ct) is null)
                {
                    await db.RollbackAsync(ct);
                    return null;
                }
            }
            await jobs.CompleteAsync(importJobId, outcome.Accepted ? ImportJobStates.Succeeded : ImportJobStates.Rejected,
                JsonSerializer.Serialize(outcome, Json), outcome.Rows, ct);
            await db.CommitAsync(ct);
            logger.LogInformation("Import job {Job} ({Kind}, {File}) on {Host}: {Result}", importJobId, job.Kind, job.FileName, host,
                outcome.Accepted ? $"{outcome.Rows} rows" : "rejected");
            return outcome;
        }
        catch (Exception ex)
        {
            await db.RollbackAsync(CancellationToken.None);
            logger.LogError(ex, "Import job {Job} failed on {Host} (final: {Final})", importJobId, host, final);
            await jobs.RecordErrorAsync(importJobId, final ? $"导入失败：{ex.Message}" : $"导入出错，将自动重试：{ex.Message}", final, CancellationToken.None);
            throw;
        }
    }

    private async Task<ImportOutcome> ImportAsync(IServiceProvider services, ImportJobStatus job, CancellationToken ct)
    {
        if (!CommandLine.ImportKinds.TryGetValue(job.Kind, out var factory))
            throw new InputException("kind", $"未知的导入类型“{job.Kind}”");
        if (job.FileId is not { } fileId || await services.GetRequiredService<IFileStorage>().OpenAsync(fileId, ct) is not { } file)
            throw new NotFoundException("导入文件已不存在，请重新上传");
        var jobs = services.GetRequiredService<ImportJobs>();
        await using var content = file.Content;
        await using var counting = new LineCountingStream(content, async lines =>
        {
            await jobs.ReportProgressAsync(job.Id, lines, CancellationToken.None);
            if (hooks?.AfterProgress is { } after) await after(job.Id, lines);
        });
        var result = (ImportResult)(await services.GetRequiredService<ISender>().Send((object)factory(counting), ct))!;
        return new ImportOutcome(job.Kind, job.FileName, true, result.Rows, result.Inserted, result.Updated, result.Sha256, [], 0,
            result.Warnings.Select(w => w.ToString()).ToList(), null);
    }

    /// <summary>Counts the lines that pass through (the CSV reader's progress) without buffering; reports at most once a second.</summary>
    private sealed class LineCountingStream(Stream inner, Func<long, Task> report) : BuildingBlocks.ReadOnlyStream
    {
        private long _lines;
        private long _lastReport = System.Diagnostics.Stopwatch.GetTimestamp();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            if (Count(buffer[..n])) report(Math.Max(0, _lines - 1)).GetAwaiter().GetResult();
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            if (Count(buffer.Span[..n])) await report(Math.Max(0, _lines - 1));
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private bool Count(ReadOnlySpan<byte> data)
        {
            _lines += data.Count((byte)'\n');
            if (data.Length > 0 && System.Diagnostics.Stopwatch.GetElapsedTime(_lastReport) < TimeSpan.FromSeconds(1)) return false;
            _lastReport = System.Diagnostics.Stopwatch.GetTimestamp();
            return true;
        }

    }
}
