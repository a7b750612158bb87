using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.Certification.Domain;

/// <summary>
/// Who may see or review a placement: reads go through Units' CheckUnitAccess (employer of another unit → 404, reviewer outside the
/// jurisdiction → 403); review actions additionally need a reviewer, admin or the system.
/// </summary>
internal sealed class ReviewAccess(ResultReader reader, ISender sender, ICurrentUser user)
{
    public async Task<PlacementRow?> ForReadAsync(Guid placementId, CancellationToken ct)
    {
        var p = await reader.PlacementAsync(placementId, ct);
        if (p is null) return null;
        await sender.Send(new CheckUnitAccess(p.UnitId), ct);
        return p;
    }

    public async Task<PlacementRow> ForReviewAsync(Guid placementId, CancellationToken ct)
    {
        var p = await reader.PlacementAsync(placementId, ct, forUpdate: true);
        if (user.Role == Role.Employer)
        {
            if (p is null || user.UnitId != p.UnitId) throw new NotFoundException("未找到该申报记录");
            throw new ForbiddenException("仅审核人员可以审核申报记录");
        }
        if (p is null) throw new NotFoundException("未找到该申报记录");
        await sender.Send(new CheckUnitAccess(p.UnitId), ct);
        return p;
    }

    public void RequireStaffReader()
    {
        if (!user.IsStaff()) throw new ForbiddenException("仅审核人员可以查看审核队列");
    }
}
