using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Mediator;

namespace Declaration.Placement.Features.Delete;

/// <summary>
/// 删除 (after confirmation): only while not Confirmed (or unlocked by an approved reopen). The one deletion path: our row, then
/// Certification's facts and results (a request in this transaction), then PlacementWithdrawn for the projections.
/// </summary>
internal sealed class DeletePlacementHandler(IDbSession db, PlacementStore store, DeclarationWindow window, IAuditLog audit,
    IOutbox outbox, CertificationGateway certification) : ICommandHandler<DeletePlacement, bool>
{
    public async ValueTask<bool> Handle(DeletePlacement command, CancellationToken ct)
    {
        var (row, open) = await store.LoadForUnitChangeAsync(command.PlacementId, window, ct);
        PlacementStore.EnsureVersion(row, command.Version);
        PlacementTransitions.EnsureEditable(row, open.ConfirmedEditable);
        await db.ExecuteAsync("DELETE FROM placement.placement WHERE id = @id", new { id = row.Id }, ct);
        await certification.ForgetAsync(row.Id, ct);
        await audit.RecordAsync(PlacementWriter.Module, "Placement", row.Id.ToString(), row.UnitId, "删除", row.AuditView(), null, ct);
        await outbox.AddAsync(new PlacementWithdrawn(row.Id, row.UnitId, row.BusinessYear, row.Version + 1), ct);
        return true;
    }
}
