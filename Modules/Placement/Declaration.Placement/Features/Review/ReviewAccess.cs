using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Errors;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Declaration.Units.Contracts;

namespace Declaration.Placement.Features.Review;

/// <summary>
/// Who may review a placement: reviewers whose jurisdiction covers the unit (others get 403 through Units' CheckUnitAccess), admins
/// and the system. The unit's own clerk is refused (403); another unit's clerk does not see it (404).
/// </summary>
internal sealed class ReviewAccess(PlacementStore store, ICurrentUser user)
{
    public async Task<(UnitDto Unit, PlacementRow Row)> ForReviewAsync(Guid placementId, CancellationToken ct, bool forUpdate = true)
    {
        var loaded = await store.LoadAsync(placementId, ct, forUpdate);
        if (user.Role == Role.Employer) throw new ForbiddenException("仅审核人员可以审核申报记录");
        return loaded;
    }

    public void RequireStaffReader()
    {
        if (!user.IsStaff()) throw new ForbiddenException("仅审核人员可以查看审核队列");
    }

    public static void RequireUnderReview(PlacementRow row)
    {
        if (row.StateValue is not (PlacementState.AwaitingReview or PlacementState.Disputed))
            throw new BusinessRuleException("NotUnderReview", row.StateValue == PlacementState.Confirmed ? "该申报记录已确认" : "该申报记录尚未提交审核");
    }
}
