using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Mediator;

namespace Declaration.Placement.Features.Edit;

/// <summary>重新登记: edits a placement that is not Confirmed (or unlocked by an approved reopen); back to Draft and re-certified.</summary>
internal sealed class EditPlacementHandler(PlacementStore store, PlacementWriter writer, DeclarationWindow window,
    CertificationGateway certification, IOutbox outbox, TimeProvider clock) : ICommandHandler<EditPlacement, PlacementSaved>
{
    public async ValueTask<PlacementSaved> Handle(EditPlacement command, CancellationToken ct)
    {
        var (row, open) = await store.LoadForUnitChangeAsync(command.PlacementId, window, ct);
        PlacementStore.EnsureVersion(row, command.Version);
        PlacementTransitions.EnsureEditable(row, open.ConfirmedEditable);
        var fields = command.Fields(row.BusinessYear);
        foreach (var (field, message) in PlacementValidation.Check(fields, ChinaTime.Today(clock))) throw new InputException(field, message);
        await writer.EnsureNotDuplicateAsync(row.UnitId, row.BusinessYear, fields.NormalizedIdNumber, row.Id, ct);
        var after = await writer.UpdateAsync(row, fields, "重新登记", ct);
        await certification.CertifyAsync(after, ct);
        await outbox.AddAsync(new PlacementReopened(after.Id, after.UnitId, after.BusinessYear, after.Version), ct);
        return new PlacementSaved(after.Id, after.Version);
    }
}
