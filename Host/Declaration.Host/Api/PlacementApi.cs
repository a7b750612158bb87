using System.Security.Claims;
using Declaration.BuildingBlocks.Errors;
using Declaration.Host.Web;
using Declaration.Placement.Contracts;
using Mediator;

namespace Declaration.Host.Api;

/// <summary>Placements (manual chapter 5) as JSON: list, detail, declare, edit, submit, dispute (with evidence), delete.</summary>
internal static class PlacementApi
{
    public sealed record VersionBody(int Version);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/placements", async (Guid? unitId, int year, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetPlacements(unitId ?? OwnUnit(user), year), ct)));
        api.MapGet("/placements/summary", async (Guid? unitId, int year, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetPlacementSummary(unitId ?? OwnUnit(user), year), ct)));
        api.MapGet("/placements/template.{format}", async (string format, ISender sender, CancellationToken ct) =>
        {
            var file = await sender.Send(new GetPlacementTemplate(format), ct);
            return Results.File(file.Content, file.ContentType, file.FileName);
        });
        api.MapGet("/placements/{id:guid}", async (Guid id, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetPlacementDetail(id), ct)));
        api.MapGet("/placements/{id:guid}/result", async (Guid id, ISender sender, CancellationToken ct) =>
            await sender.Send(new GetPlacementResult(id), ct) is { } result ? Results.Ok(result) : Results.NotFound());
        api.MapPost("/placements", async (DeclarePlacement body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
        {
            var unitId = body.UnitId == Guid.Empty ? OwnUnit(user) : body.UnitId;
            var saved = await sender.Send(body with { UnitId = unitId }, ct);
            return Results.Created($"/api/placements/{saved.PlacementId}", saved);
        });
        api.MapPut("/placements/{id:guid}", async (Guid id, EditPlacement body, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(body with { PlacementId = id }, ct)));
        api.MapPost("/placements/{id:guid}/submit", async (Guid id, VersionBody body, ISender sender, CancellationToken ct) =>
            Results.Ok(new { version = await sender.Send(new SubmitPlacement(id, body.Version), ct) }));
        api.MapPost("/placements/{id:guid}/dispute", async (Guid id, DisputePlacement body, ISender sender, CancellationToken ct) =>
            Results.Ok(new { version = await sender.Send(body with { PlacementId = id }, ct) }));
        api.MapPost("/placements/{id:guid}/evidence", async (Guid id, IFormFile file, ISender sender, CancellationToken ct) =>
        {
            await using var stream = file.OpenReadStream();
            var fileId = await sender.Send(new AddDisputeEvidence(id, stream, file.FileName), ct);
            return Results.Created($"/api/placements/{id}/evidence/{fileId}", new { id = fileId });
        }).DisableAntiforgery();
        api.MapGet("/placements/{id:guid}/evidence/{fileId:guid}", async (Guid id, Guid fileId, ISender sender, CancellationToken ct) =>
        {
            var file = await sender.Send(new GetDisputeEvidence(id, fileId), ct);
            return Results.File(file.Content, file.ContentType, file.FileName);
        });
        api.MapDelete("/placements/{id:guid}", async (Guid id, int version, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeletePlacement(id, version), ct);
            return Results.NoContent();
        });
    }

    private static Guid OwnUnit(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(DeclarationClaims.UnitId), out var id) ? id : throw new NotFoundException("当前账号未绑定单位");
}
