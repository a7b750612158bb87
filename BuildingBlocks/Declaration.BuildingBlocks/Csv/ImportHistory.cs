using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;

namespace Declaration.BuildingBlocks.Csv;

public sealed record ImportHistoryEntry(long Id, string Kind, string FileSha256, long Rows, long Inserted, long Updated, string ImportedBy, DateTimeOffset ImportedAt);

/// <summary>
/// The record of accepted import files, written in the import's transaction. It also records the import's rows and rate
/// (<see cref="Observability.DeclarationTelemetry.ImportCompleted"/>), timed from its creation with the import's handler.
/// </summary>
public sealed class ImportHistory(IDbSession db, ICurrentUser user, TimeProvider clock)
{
    private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();

    public Task RecordAsync(ImportResult result, CancellationToken ct)
    {
        Observability.DeclarationTelemetry.ImportCompleted(result.Kind, result.Rows, System.Diagnostics.Stopwatch.GetElapsedTime(_started));
        return db.ExecuteAsync("""
            INSERT INTO platform.import_history (kind, file_sha256, rows, inserted, updated, imported_by, imported_at)
            VALUES (@Kind, @Sha256, @Rows, @Inserted, @Updated, @by, @at)
            """, new { result.Kind, result.Sha256, result.Rows, result.Inserted, result.Updated, by = user.UserName, at = clock.GetUtcNow() }, ct);
    }

    public Task<IReadOnlyList<ImportHistoryEntry>> LatestAsync(IReadOnlyCollection<string> kinds, int limit, CancellationToken ct) =>
        db.QueryAsync<ImportHistoryEntry>("""
            SELECT id, kind, file_sha256 AS FileSha256, rows, inserted, updated, imported_by AS ImportedBy, imported_at AS ImportedAt
            FROM platform.import_history WHERE kind = ANY(@kinds) ORDER BY id DESC LIMIT @limit
            """, new { kinds = kinds.ToArray(), limit }, ct);
}
