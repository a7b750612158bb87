using Declaration.BuildingBlocks.Messaging;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using FluentValidation;
using Mediator;

namespace Declaration.Placement.Features.Review;

internal sealed class ReturnPlacementValidator : AbstractValidator<ReturnPlacement>
{
    public ReturnPlacementValidator() =>
        RuleFor(c => c.Reason).NotEmpty().WithMessage("请填写退回原因").MaximumLength(1000).WithMessage("退回原因不超过1000字");
}

/// <summary>The reviewer returns a placement under review to the unit with a reason; the unit edits and resubmits.</summary>
internal sealed class ReturnPlacementHandler(ReviewAccess access, PlacementWriter writer, IOutbox outbox) : ICommandHandler<ReturnPlacement, bool>
{
    public async ValueTask<bool> Handle(ReturnPlacement command, CancellationToken ct)
    {
        var (_, p) = await access.ForReviewAsync(command.PlacementId, ct);
        ReviewAccess.RequireUnderReview(p);
        var reason = command.Reason.Trim();
        var after = await writer.TransitionAsync(p, PlacementState.Returned, "退回申报记录", ct, p.DisputedMonths, p.DisputeReason, reason);
        await outbox.AddAsync(new PlacementReturned(after.Id, after.UnitId, after.BusinessYear, reason, after.NameMasked, after.Version), ct);
        return true;
    }
}
