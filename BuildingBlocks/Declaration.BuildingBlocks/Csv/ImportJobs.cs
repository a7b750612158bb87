using Dapper;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Files;
using Npgsql;

namespace Declaration.BuildingBlocks.Csv;

public static class ImportJobStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Retrying = "retrying";
    public const string Succeeded = "succeeded";
    public const string Rejected = "rejected";
    public const string Failed = "failed";

    public static bool IsFinished(string state) => state is Succeeded or Rejected or Failed;
}

public sealed record ImportJobStatus(Guid Id, string Kind, string FileName, string UserId, string UserName, string State, long LinesRead,
    int Attempts, string? Host, string? Outcome, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    Guid? FileId)
{
    public bool Finished => ImportJobStates.IsFinished(State);
}

/// <summary>
/// Admin import files and their background jobs, in the database: the uploaded file (a stored file), the job's state, the lines
/// read so far (written by whichever host runs it, on a connection of its own, so every host's status page sees it while the
/// import's transaction is still open) and the outcome, committed in the import's own transaction.
/// </summary>
public sealed class ImportJobs(IDbSession db, IFileStorage files, NpgsqlDataSource dataSource, TimeProvider clock)
{
    private const string Columns = """
        id, kind, file_name AS FileName, user_id AS UserId, user_name AS UserName, state, lines_read AS LinesRead, attempts, host,
        outcome::text AS Outcome, last_error AS LastError, created_at AS CreatedAt, started_at AS StartedAt, finished_at AS FinishedAt, file_id AS FileId
        """;

    /// <summary>Stores the file and a queued job for it, in one transaction.</summary>
    public Task<Guid> CreateAsync(string kind, Stream content, string fileName, long maxBytes, ICurrentUser user, CancellationToken ct) =>
        db.InTransactionAsync(async () =>
        {
            var file = await files.SaveAsync(content, fileName, "text/csv", maxBytes, ct);
            var id = Guid.NewGuid();
            await db.ExecuteAsync("""
                INSERT INTO platform.import_job (id, kind, file_id, file_name, user_id, user_name, state, created_at)
                VALUES (@id, @kind, @fileId, @fileName, @userId, @userName, 'queued', @now)
                """, new { id, kind, fileId = file.Id, fileName = file.FileName, userId = user.UserId, userName = user.UserName, now = clock.GetUtcNow() }, ct);
            return id;
        }, ct);

    public Task<ImportJobStatus?> GetAsync(Guid id, CancellationToken ct) =>
        db.QuerySingleOrDefaultAsync<ImportJobStatus>($"SELECT {Columns} FROM platform.import_job WHERE id = @id", new { id }, ct);

    public Task<IReadOnlyList<ImportJobStatus>> LatestAsync(int limit, CancellationToken ct) =>
        db.QueryAsync<ImportJobStatus>($"SELECT {Columns} FROM platform.import_job ORDER BY created_at DESC LIMIT @limit", new { limit }, ct);

    /// <summary>
    /// Marks an attempt started by <paramref name="host"/> (committed at once, visible to every host); false when the job is already
    /// finished (a duplicate delivery of the job) or unknown.
    /// </summary>
    public async Task<bool> StartAttemptAsync(Guid id, string host, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE platform.import_job SET state = 'running', host = @host, attempts = attempts + 1, lines_read = 0,
                started_at = @now, progress_at = @now, last_error = NULL
            WHERE id = @id AND state IN ('queued', 'running', 'retrying')
            """, new { id, host, now = clock.GetUtcNow() }, cancellationToken: ct)) == 1;
    }

    /// <summary>Lines read so far, committed at once on a connection of its own (the import's transaction is still open).</summary>
    public async Task ReportProgressAsync(Guid id, long lines, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE platform.import_job SET lines_read = @lines, progress_at = @now WHERE id = @id AND state = 'running'",
            new { id, lines, now = clock.GetUtcNow() }, cancellationToken: ct));
    }

    /// <summary>
    /// In the session's transaction: waits for any other attempt at the same job (a transaction-scoped advisory lock, released when
    /// that attempt commits or its host dies), then says whether the job still needs doing.
    /// </summary>
    public async Task<ImportJobStatus?> LockForRunAsync(Guid id, CancellationToken ct)
    {
        if (db.Transaction is null) throw new InvalidOperationException("LockForRunAsync needs the session's transaction");
        await db.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended('import_job:' || @id::text, 0))", new { id }, ct);
        var job = await GetAsync(id, ct);
        return job is null || job.Finished ? null : job;
    }

    /// <summary>In the session's transaction: the outcome, and the file removed (it served its purpose).</summary>
    public async Task CompleteAsync(Guid id, string state, string outcomeJson, long lines, CancellationToken ct)
    {
        var fileId = await db.QuerySingleOrDefaultAsync<Guid?>("SELECT file_id FROM platform.import_job WHERE id = @id", new { id }, ct);
        await db.ExecuteAsync("""
            UPDATE platform.import_job SET state = @state, outcome = @outcomeJson::jsonb, lines_read = greatest(lines_read, @lines), finished_at = @now,
                last_error = NULL, file_id = NULL
            WHERE id = @id
            """, new { id, state, outcomeJson, lines, now = clock.GetUtcNow() }, ct);
        if (fileId is { } f) await files.DeleteAsync(f, ct);
    }

    /// <summary>An attempt failed unexpectedly (committed at once): retried by the job runner, or failed for good.</summary>
    public async Task RecordErrorAsync(Guid id, string error, bool final, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE platform.import_job SET state = @state, last_error = @error, finished_at = CASE WHEN @final THEN @now END
            WHERE id = @id AND state NOT IN ('succeeded', 'rejected')
            """, new { id, error, final, state = final ? ImportJobStates.Failed : ImportJobStates.Retrying, now = clock.GetUtcNow() }, cancellationToken: ct));
    }
}
