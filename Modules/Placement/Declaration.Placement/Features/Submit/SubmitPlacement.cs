using Declaration.BuildingBlocks.Messaging;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Mediator;

namespace Declaration.Placement.Features.Submit;

/// <summary>Step 3 without objection (下一步): Draft or Returned → AwaitingReview. Returns the new version.</summary>
internal sealed class SubmitPlacementHandler(PlacementStore store, PlacementWriter writer, DeclarationWindow window, IOutbox outbox)
    : ICommandHandler<SubmitPlacement, int>
{
    public async ValueTask<int> Handle(SubmitPlacement command, CancellationToken ct)
    {
        var (row, _) = await store.LoadForUnitChangeAsync(command.PlacementId, window, ct);
        PlacementStore.EnsureVersion(row, command.Version);
        PlacementTransitions.EnsureSubmittable(row);
        var after = await writer.TransitionAsync(row, PlacementState.AwaitingReview, "提交审核（无异议）", ct);
        await outbox.AddAsync(new PlacementSubmitted(after.Id, after.UnitId, after.BusinessYear, after.NameMasked, after.Version), ct);
        return after.Version;
    }
}
