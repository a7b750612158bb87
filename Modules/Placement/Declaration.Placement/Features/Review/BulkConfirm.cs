using Declaration.BuildingBlocks.Data;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Mediator;

namespace Declaration.Placement.Features.Review;

/// <summary>
/// Confirms each listed placement under review whose months all qualified without flags and none of whose months was denied;
/// the others are left for one-by-one review. Returns how many were confirmed.
/// </summary>
internal sealed class BulkConfirmHandler(IDbSession db, ReviewAccess access, ISender sender, Confirmation confirmation) : ICommandHandler<BulkConfirm, int>
{
    public async ValueTask<int> Handle(BulkConfirm command, CancellationToken ct)
    {
        var candidates = new List<PlacementRow>();
        foreach (var id in command.PlacementIds.Distinct().Order())
        {
            var (_, p) = await access.ForReviewAsync(id, ct);
            if (p.StateValue is PlacementState.AwaitingReview or PlacementState.Disputed) candidates.Add(p);
        }
        if (candidates.Count == 0) return 0;
        var ids = candidates.Select(c => c.Id).ToArray();
        var results = (await sender.Send(new GetCertificationResultsByIds(ids), ct)).ToDictionary(r => r.PlacementId);
        var denied = (await db.QueryAsync<Guid>("SELECT DISTINCT placement_id FROM placement.month_decision WHERE placement_id = ANY(@ids) AND NOT granted",
            new { ids }, ct)).ToHashSet();
        var clean = candidates.Where(c => results.TryGetValue(c.Id, out var r) && r.AllQualifyWithoutFlags && !denied.Contains(c.Id)).ToList();
        return await confirmation.ConfirmAsync(clean, "批量确认申报记录", ct);
    }
}
