using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.Placement.Contracts;
using Mediator;

namespace Declaration.Placement.Features.Review;

/// <summary>The reviewer confirms a placement under review; a disputed one only once every disputed month has a decision.</summary>
internal sealed class ConfirmPlacementHandler(IDbSession db, ReviewAccess access, Confirmation confirmation) : ICommandHandler<ConfirmPlacement, bool>
{
    public async ValueTask<bool> Handle(ConfirmPlacement command, CancellationToken ct)
    {
        var (_, p) = await access.ForReviewAsync(command.PlacementId, ct);
        ReviewAccess.RequireUnderReview(p);
        var undecided = await db.QueryAsync<int>("""
            SELECT m FROM unnest(@months::int[]) m
            WHERE NOT EXISTS (SELECT 1 FROM placement.month_decision d WHERE d.placement_id = @id AND d.month = m) ORDER BY m
            """, new { id = p.Id, months = p.DisputedMonths }, ct);
        if (undecided.Count > 0)
            throw new BusinessRuleException("DisputedMonthsUndecided", $"请先对异议月份（{string.Join("、", undecided)}月）逐月作出审核决定");
        await confirmation.ConfirmAsync([p], "确认申报记录", ct);
        return true;
    }
}
