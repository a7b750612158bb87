using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Declaration.Placement.Features.Results;

namespace Declaration.Placement.Features.Review;

/// <summary>
/// Confirms placements (RULES.md §5): Certification locks their automatic results in this transaction (they are final from now on),
/// the final months — the automatic result overridden by the decisions — are frozen here, the state moves to Confirmed and
/// PlacementConfirmed is published.
/// </summary>
internal sealed class Confirmation(IDbSession db, PlacementWriter writer, CertificationGateway certification, ResultComposer composer, IOutbox outbox,
    ICurrentUser user, TimeProvider clock)
{
    public async Task<int> ConfirmAsync(IReadOnlyList<PlacementRow> rows, string action, CancellationToken ct)
    {
        if (rows.Count == 0) return 0;
        var locked = await certification.LockAsync(rows.Select(r => r.Id).ToList(), ct);
        var results = (await composer.ComposeAsync(locked, ct)).ToDictionary(r => r.PlacementId);
        foreach (var row in rows)
        {
            var result = results.GetValueOrDefault(row.Id)
                ?? throw new InvalidOperationException($"Placement {row.Id} has no certification result to confirm.");
            var personMonths = result.FinalPersonMonths;
            var qualifying = result.Months.Count(m => m.FinalWeight > 0);
            var after = await writer.TransitionAsync(row, PlacementState.Confirmed, action, ct, row.DisputedMonths, row.DisputeReason,
                auditExtra: new { PersonMonths = personMonths, QualifyingMonths = qualifying });
            await db.ExecuteAsync("""
                UPDATE placement.placement SET confirmed_at = @now, confirmed_by = @by, confirmed_person_months = @personMonths,
                    confirmed_qualifying_months = @qualifying
                WHERE id = @id
                """, new { id = row.Id, now = clock.GetUtcNow(), by = user.UserName, personMonths, qualifying }, ct);
            await outbox.AddAsync(new PlacementConfirmed(after.Id, after.UnitId, after.BusinessYear, personMonths, after.NameMasked, after.Version), ct);
        }
        return rows.Count;
    }

}
