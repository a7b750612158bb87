using System.Diagnostics;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.Certification.Contracts;
using Declaration.Certification.Engine;
using Mediator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Declaration.Certification.Features.Batch;

/// <summary>Test seam: runs after each committed chunk (a test throws here to simulate a crash mid-batch).</summary>
internal sealed class BatchHooks
{
    public Func<int, Task>? AfterChunkCommitted { get; set; }
}

/// <summary>
/// The certification batch (the nightly job's work, and <c>certify</c>): the year's unconfirmed placements (only the dirty ones when
/// <see cref="RunCertificationBatch.OnlyChanged"/>), chunked by unit. Each chunk commits its results, its CertificationResultChanged
/// outbox rows and the clearing of its dirty marks in one transaction, so a crash resumes where it stopped without duplicates.
/// Units without a minimum wage for their region are skipped and reported.
/// </summary>
internal sealed class RunCertificationBatchHandler(IServiceScopeFactory scopes, IDbSession db, ICurrentUser user, IConfiguration configuration,
    BatchHooks hooks, TimeProvider clock, ILogger<RunCertificationBatchHandler> logger) : ICommandHandler<RunCertificationBatch, CertificationBatchSummary>
{
    public async ValueTask<CertificationBatchSummary> Handle(RunCertificationBatch command, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员可以运行认证批处理");
        db.UseLongCommandTimeout();
        var watch = Stopwatch.StartNew();
        var chunkSize = configuration.GetValue("Declaration:Certification:ChunkPlacements", 1_000_000);
        // The changed-only run starts from the dirty marks (its cost follows the change, not the year: issue 14's nightly target).
        var from = command.OnlyChanged
            ? "FROM certification.placement_dirty d JOIN certification.placement p ON p.id = d.placement_id"
            : "FROM certification.placement p";
        var units = (await db.QueryAsync<UnitCount>($"""
            SELECT p.unit_id AS UnitId, count(*) AS Count
            {from}
            WHERE p.business_year = @BusinessYear AND NOT p.locked
              AND (@UnitCreditCode::text IS NULL OR p.credit_code = upper(@UnitCreditCode))
            GROUP BY p.unit_id ORDER BY p.unit_id
            """, command, ct)).ToList();
        var chunks = new List<List<Guid>>();
        var current = new List<Guid>();
        long inChunk = 0;
        foreach (var u in units)
        {
            if (current.Count > 0 && inChunk + u.Count > chunkSize) { chunks.Add(current); current = []; inChunk = 0; }
            current.Add(u.UnitId);
            inChunk += u.Count;
        }
        if (current.Count > 0) chunks.Add(current);

        // The year fits one chunk and at least half of its placements are to be certified: certify every placement of the year (those
        // whose inputs did not change keep their result, which is then neither written nor announced) — no target list to build. For a
        // changed-only run the year is counted no further than twice the change (enough to decide), so a small change reads little.
        var toCertify = units.Sum(u => u.Count);
        var wholeYear = chunks.Count == 1 && command.UnitCreditCode is null && toCertify > 0;
        if (wholeYear)
        {
            var yearTotal = command.OnlyChanged
                ? await db.ExecuteScalarAsync<long>("""
                    SELECT count(*) FROM (SELECT 1 FROM certification.placement WHERE business_year = @year AND NOT locked LIMIT @limit) x
                    """, new { year = command.BusinessYear, limit = Math.Min(toCertify * 2, chunkSize) + 1 }, ct)
                : toCertify;
            wholeYear = yearTotal <= chunkSize && toCertify * 2 >= yearTotal;
        }
        long placements = 0, qualifying = 0, changed = 0;
        var skipped = new List<string>();
        for (var i = 0; i < chunks.Count; i++)
        {
            await using var scope = scopes.CreateSystemScope();
            var session = scope.ServiceProvider.GetRequiredService<IDbSession>();
            session.UseLongCommandTimeout();
            var engine = scope.ServiceProvider.GetRequiredService<CertificationEngine>();
            var now = clock.GetUtcNow();
            await session.BeginAsync(ct);
            try
            {
                if (!wholeYear)
                    await session.ExecuteAsync(CertificationEngine.CreateTarget + $"""
                        INSERT INTO cert_target
                        SELECT p.id {from}
                        WHERE p.business_year = @year AND p.unit_id = ANY(@units) AND NOT p.locked
                        """, new { year = command.BusinessYear, units = chunks[i].ToArray() }, ct);
                var run = await engine.RunAsync(now, ct, fetchChanged: false, wholeYear: wholeYear ? command.BusinessYear : null);
                await session.ExecuteAsync("""
                    INSERT INTO certification.outbox (id, type, payload, occurred_at)
                    SELECT e.event_id, 'Declaration.Certification.Contracts.CertificationResultChanged', jsonb_build_object(
                        'id', e.event_id, 'occurredAt', @now, 'placementId', e.id, 'unitId', e.unit_id, 'businessYear', e.business_year,
                        'oldQualifyingMonths', e.old_q, 'newQualifyingMonths', e.new_q, 'personMonths', e.new_pm, 'hasFlags', e.flagged,
                        'allQualifyWithoutFlags', e.clean, 'resultVersion', e.version), @now
                    FROM (SELECT gen_random_uuid() AS event_id, c.* FROM cert_changed c ORDER BY c.id) e
                    """, new { now }, ct);
                await session.CommitAsync(ct);
                placements += run.Placements;
                qualifying += run.QualifyingMonths;
                changed += run.ChangedCount;
                foreach (var b in run.Blocked)
                {
                    var message = $"{b.CreditCode}: {b.Reason}";
                    if (!skipped.Contains(message)) skipped.Add(message);
                    logger.LogWarning("Certification of unit {CreditCode} skipped: {Reason}", b.CreditCode, b.Reason);
                }
            }
            catch
            {
                await session.RollbackAsync(CancellationToken.None);
                throw;
            }
            if (hooks.AfterChunkCommitted is { } hook) await hook(i);
        }
        Declaration.BuildingBlocks.Observability.DeclarationTelemetry.CertificationBatchCompleted(watch.Elapsed, placements, changed, command.OnlyChanged);
        return new CertificationBatchSummary(command.BusinessYear, placements, qualifying, changed, watch.Elapsed) { SkippedUnits = skipped };
    }

    private sealed record UnitCount(Guid UnitId, long Count);
}

/// <summary>The nightly job's work: every business year with dirty unconfirmed placements, only the changed ones.</summary>
internal sealed class CertificationNightly(IDbSession db, ISender sender, ILogger<CertificationNightly> logger)
{
    public async Task<IReadOnlyList<CertificationBatchSummary>> RunAsync(CancellationToken ct)
    {
        db.UseLongCommandTimeout();
        var years = await db.QueryAsync<int>(
            "SELECT DISTINCT p.business_year FROM certification.placement_dirty d JOIN certification.placement p ON p.id = d.placement_id WHERE NOT p.locked ORDER BY 1", null, ct);
        var summaries = new List<CertificationBatchSummary>();
        foreach (var year in years)
        {
            var summary = await sender.Send(new RunCertificationBatch(year, null, OnlyChanged: true), ct);
            logger.LogInformation("Nightly certification {Year}: {Placements} placements, {Changed} changed, {Skipped} units skipped in {Elapsed}",
                year, summary.Placements, summary.Changed, summary.SkippedUnits.Count, summary.Elapsed);
            summaries.Add(summary);
        }
        return summaries;
    }
}
