using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using FluentValidation;
using Mediator;

namespace Declaration.Placement.Features.Dispute;

internal sealed class DisputePlacementValidator : AbstractValidator<DisputePlacement>
{
    public DisputePlacementValidator()
    {
        RuleFor(x => x.ClaimedMonths).NotEmpty().WithMessage("请勾选本单位认为符合条件的月份");
        RuleFor(x => x.ClaimedMonths).Must(months => months is null || months.All(m => m is >= 1 and <= 12)).WithMessage("月份应为1–12");
        RuleFor(x => x.Reason).NotEmpty().WithMessage("请填写异议理由").MaximumLength(2000).WithMessage("异议理由不能超过2000字");
    }
}

/// <summary>Step 3 with objection: the months believed to qualify, a reason; at least one evidence file must be uploaded first.</summary>
internal sealed class DisputePlacementHandler(PlacementStore store, PlacementWriter writer, DeclarationWindow window, IOutbox outbox)
    : ICommandHandler<DisputePlacement, int>
{
    public async ValueTask<int> Handle(DisputePlacement command, CancellationToken ct)
    {
        var (row, _) = await store.LoadForUnitChangeAsync(command.PlacementId, window, ct);
        PlacementStore.EnsureVersion(row, command.Version);
        PlacementTransitions.EnsureSubmittable(row);
        Rules.Check(new EvidenceRequiredForDisputeRule(await store.EvidenceCountAsync(row.Id, ct)));
        var months = command.ClaimedMonths.Distinct().Order().ToArray();
        var reason = command.Reason.Trim();
        var after = await writer.TransitionAsync(row, PlacementState.Disputed, "提出异议，提交人工审核", ct, months, reason);
        await outbox.AddAsync(new PlacementDisputed(after.Id, after.UnitId, after.BusinessYear, months, reason, after.NameMasked, after.Version), ct);
        return after.Version;
    }
}
