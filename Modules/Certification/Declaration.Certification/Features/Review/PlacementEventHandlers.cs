using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Placement.Contracts;

namespace Declaration.Certification.Features.Review;

/// <summary>No objection: the placement awaits review.</summary>
internal sealed class PlacementSubmittedHandler(IDbSession db, TimeProvider clock) : IIntegrationEventHandler<PlacementSubmitted>
{
    public Task HandleAsync(PlacementSubmitted e, CancellationToken ct) => db.ExecuteAsync("""
        UPDATE certification.placement SET state = 'AwaitingReview', disputed_months = '{}', dispute_reason = NULL, return_reason = NULL,
            submitted_at = @now, updated_at = @now
        WHERE id = @PlacementId AND state <> 'Confirmed'
        """, new { e.PlacementId, now = clock.GetUtcNow() }, ct);
}

/// <summary>An objection: the months the unit believes qualify and its reason.</summary>
internal sealed class PlacementDisputedHandler(IDbSession db, TimeProvider clock) : IIntegrationEventHandler<PlacementDisputed>
{
    public Task HandleAsync(PlacementDisputed e, CancellationToken ct) => db.ExecuteAsync("""
        UPDATE certification.placement SET state = 'Disputed', disputed_months = @months, dispute_reason = @Reason, return_reason = NULL,
            submitted_at = @now, updated_at = @now
        WHERE id = @PlacementId AND state <> 'Confirmed'
        """, new { e.PlacementId, months = e.ClaimedMonths.Where(m => m is >= 1 and <= 12).Distinct().Order().ToArray(), e.Reason, now = clock.GetUtcNow() }, ct);
}

/// <summary>The unit deleted the placement: forget its facts, results and decisions.</summary>
internal sealed class PlacementWithdrawnHandler(IDbSession db) : IIntegrationEventHandler<PlacementWithdrawn>
{
    public Task HandleAsync(PlacementWithdrawn e, CancellationToken ct) =>
        db.ExecuteAsync("DELETE FROM certification.placement WHERE id = @PlacementId", new { e.PlacementId }, ct);
}

/// <summary>The unit edits the placement again: back to draft, decisions cleared, out of the review queue.</summary>
internal sealed class PlacementReopenedHandler(IDbSession db, TimeProvider clock) : IIntegrationEventHandler<PlacementReopened>
{
    public Task HandleAsync(PlacementReopened e, CancellationToken ct) => db.ExecuteAsync("""
        DELETE FROM certification.month_decision WHERE placement_id = @PlacementId;
        UPDATE certification.placement SET state = 'Draft', disputed_months = '{}', dispute_reason = NULL, confirmed_at = NULL,
            confirmed_person_months = NULL, updated_at = @now
        WHERE id = @PlacementId;
        INSERT INTO certification.placement_dirty (placement_id)
        SELECT id FROM certification.placement WHERE id = @PlacementId
        ON CONFLICT DO NOTHING;
        """, new { e.PlacementId, now = clock.GetUtcNow() }, ct);
}
