using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Declaration.Placement.Features.Projections;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.Placement.Features.Declare;

/// <summary>Steps 1–2 of the manual (添加残疾人 → 下一步): saves a Draft placement and certifies it at once, in one transaction.</summary>
internal sealed class DeclarePlacementHandler(ISender sender, ICurrentUser user, PlacementWriter writer, DeclarationWindow window,
    CertificationGateway certification, UnitProjection units, IOutbox outbox, IDbSession db) : ICommandHandler<DeclarePlacement, PlacementSaved>
{
    public async ValueTask<PlacementSaved> Handle(DeclarePlacement command, CancellationToken ct)
    {
        // Every statement of a declaration (ours and those of the modules it asks) finds its rows by key: their generic plans, planned
        // once per connection, not a plan per statement and run (a quarter of the database's time at deadline-day load).
        db.UseGenericPlans();
        var unit = await sender.Send(new CheckUnitAccess(command.UnitId), ct);
        PlacementWriter.EnsureUnitActor(user);
        var fields = command.Fields();
        // Certification first (it needs the facts, not our row), so the row is inserted once with its result.
        // Time-ordered (UUID version 7): a new placement's key lands at the right edge of each index keyed by it (ours, Certification's,
        // the audit trail's), not on a random page of a million-row index.
        var id = Guid.CreateVersion7();
        var result = await certification.CertifyNewAsync(CertificationGateway.Facts(id, unit.Id, fields), ct);
        // With the COMMIT, first: whether the year still takes declarations (a closed window or a certified year fails the COMMIT with
        // the clerk's message, the engine's work rolled back with the rest; no read of its own). Then our copy of the unit (written only
        // when behind), then the row: a person already declared in the unit's year is refused there, by the person key, with the clerk's
        // message (the rest rolled back with it): no read asks first.
        await window.EnsureOpenAtCommitAsync(unit.Id, command.BusinessYear, ct);
        await units.RefreshAsync(unit, ct);
        var row = await writer.InsertAsync(id, unit, fields, PlacementState.Draft, CertificationGateway.Summary(result), ct);
        await outbox.AddAsync(new PlacementDeclared(row.Id, row.UnitId, row.BusinessYear, row.Version), ct);
        return new PlacementSaved(row.Id, row.Version);
    }
}
