using Declaration.Placement.Contracts;
using Declaration.Host.Web;
using Mediator;

namespace Declaration.Host.Api;

/// <summary>Results with the review's decisions, and the reviewers' JSON API: queue, month decisions, confirm / return / bulk-confirm (Placement).</summary>
internal static class ReviewApi
{
    public sealed record DecisionBody(bool Grant, string Comment);
    public sealed record ReturnBody(string Reason);
    public sealed record BulkBody(IReadOnlyList<Guid> PlacementIds);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/placements/{placementId:guid}/certification", async (Guid placementId, ISender sender, CancellationToken ct) =>
            await sender.Send(new GetPlacementResult(placementId), ct) is { } r ? Results.Ok(r) : Results.NotFound());
        api.MapGet("/units/{unitId:guid}/certification/{year:int}", async (Guid unitId, int year, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetPlacementResults(unitId, year), ct)));
        api.MapGet("/units/{unitId:guid}/certified-count/{year:int}", async (Guid unitId, int year, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetCertifiedCount(unitId, year), ct)));

        var review = api.MapGroup("/review").RequireAuthorization(Policies.Staff);
        review.MapGet("/queue", async (ReviewQueueKind? kind, int? year, string? search, int? page, int? pageSize, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetReviewQueue(kind ?? ReviewQueueKind.All, year, search, page ?? 1, pageSize ?? 20), ct)));
        review.MapGet("/placements/{placementId:guid}", async (Guid placementId, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetReviewDetail(placementId), ct)));
        review.MapPut("/placements/{placementId:guid}/months/{month:int}", async (Guid placementId, int month, DecisionBody body, ISender sender, CancellationToken ct) =>
            Results.Ok(new { decided = await sender.Send(new DecideMonth(placementId, month, body.Grant, body.Comment), ct) }));
        review.MapPost("/placements/{placementId:guid}/confirm", async (Guid placementId, ISender sender, CancellationToken ct) =>
            Results.Ok(new { confirmed = await sender.Send(new ConfirmPlacement(placementId), ct) }));
        review.MapPost("/placements/{placementId:guid}/return", async (Guid placementId, ReturnBody body, ISender sender, CancellationToken ct) =>
            Results.Ok(new { returned = await sender.Send(new ReturnPlacement(placementId, body.Reason), ct) }));
        review.MapPost("/bulk-confirm", async (BulkBody body, ISender sender, CancellationToken ct) =>
            Results.Ok(new { confirmed = await sender.Send(new BulkConfirm(body.PlacementIds), ct) }));
    }
}
