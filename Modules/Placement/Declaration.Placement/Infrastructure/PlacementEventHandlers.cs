using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Declaration.Placement.Features.Declare;

namespace Declaration.Placement.Infrastructure;

/// <summary>
/// A reviewer's decision (Certification) moves the placement: only a placement still waiting for review moves, so a late or
/// repeated event after the unit has edited the placement (重新登记) changes nothing. Delivered once through the inbox.
/// </summary>
internal sealed class PlacementConfirmedHandler(IDbSession db, PlacementWriter writer) : IIntegrationEventHandler<PlacementConfirmed>
{
    public async Task HandleAsync(PlacementConfirmed @event, CancellationToken ct)
    {
        var row = await Waiting.LoadAsync(db, @event.PlacementId, ct);
        if (row is null) return;
        await writer.TransitionAsync(row, PlacementState.Confirmed, "残联审核确认", ct, row.DisputedMonths, row.DisputeReason);
    }
}

internal sealed class PlacementReturnedHandler(IDbSession db, PlacementWriter writer) : IIntegrationEventHandler<PlacementReturned>
{
    public async Task HandleAsync(PlacementReturned @event, CancellationToken ct)
    {
        var row = await Waiting.LoadAsync(db, @event.PlacementId, ct);
        if (row is null) return;
        await writer.TransitionAsync(row, PlacementState.Returned, "残联审核退回", ct, row.DisputedMonths, row.DisputeReason, @event.Reason);
    }
}

internal static class Waiting
{
    /// <summary>The placement, locked, if it still waits for review; else null (the event is stale).</summary>
    public static async Task<PlacementRow?> LoadAsync(IDbSession db, Guid id, CancellationToken ct)
    {
        var row = await db.QuerySingleOrDefaultAsync<PlacementRow>(
            $"SELECT {PlacementSql.Columns} FROM placement.placement p WHERE p.id = @id FOR UPDATE", new { id }, ct);
        return row is { StateValue: PlacementState.AwaitingReview or PlacementState.Disputed } ? row : null;
    }
}

/// <summary>An approved reopen unlocks the unit-year's Confirmed placements for editing; certifying the year again locks them.</summary>
internal sealed class AnnualReviewReopenedHandler(IDbSession db, IAuditLog audit, TimeProvider clock) : IIntegrationEventHandler<AnnualReviewReopened>
{
    public async Task HandleAsync(AnnualReviewReopened @event, CancellationToken ct)
    {
        await db.ExecuteAsync("""
            INSERT INTO placement.unlocked_year (unit_id, business_year, unlocked_at) VALUES (@UnitId, @BusinessYear, @now)
            ON CONFLICT (unit_id, business_year) DO UPDATE SET unlocked_at = EXCLUDED.unlocked_at
            """, new { @event.UnitId, @event.BusinessYear, now = clock.GetUtcNow() }, ct);
        await audit.RecordAsync(PlacementWriter.Module, "UnitYear", $"{@event.UnitId}/{@event.BusinessYear}", @event.UnitId, "年审认证反馈已同意，已确认人员可重新登记",
            null, new { @event.BusinessYear, @event.CertificateNumber }, ct);
    }
}

internal sealed class AnnualCertificationCompletedHandler(IDbSession db, IAuditLog audit) : IIntegrationEventHandler<AnnualCertificationCompleted>
{
    public async Task HandleAsync(AnnualCertificationCompleted @event, CancellationToken ct)
    {
        var removed = await db.ExecuteAsync("DELETE FROM placement.unlocked_year WHERE unit_id = @UnitId AND business_year = @BusinessYear", @event, ct);
        if (removed > 0)
            await audit.RecordAsync(PlacementWriter.Module, "UnitYear", $"{@event.UnitId}/{@event.BusinessYear}", @event.UnitId, "年审认证完成，已确认人员重新锁定",
                null, new { @event.BusinessYear, @event.CertificateNumber }, ct);
    }
}
