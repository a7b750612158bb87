using System.Security.Claims;
using Declaration.BuildingBlocks.Errors;
using Declaration.Host.Web;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.Host.Api;

internal static class UnitsApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/units/me", async (ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetUnit(OwnUnit(user)), ct)));
        api.MapGet("/units/{unitId:guid}", async (Guid unitId, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetUnit(unitId), ct)));
        api.MapPut("/units/{unitId:guid}", async (Guid unitId, UpdateUnitProfile body, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(body with { UnitId = unitId }, ct)));
        api.MapGet("/units/{unitId:guid}/history", async (Guid unitId, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetUnitHistory(unitId), ct)));
        api.MapGet("/units/{unitId:guid}/related-units", async (Guid unitId, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetRelatedUnits(unitId, new DateOnly(1900, 1, 1), new DateOnly(2999, 12, 31)), ct)));
        api.MapPost("/units/{unitId:guid}/related-units", async (Guid unitId, AddRelatedUnit body, ISender sender, CancellationToken ct) =>
        {
            var id = await sender.Send(body with { UnitId = unitId }, ct);
            return Results.Created($"/api/units/{unitId}/related-units/{id}", new { id });
        });
        api.MapPut("/units/{unitId:guid}/related-units/{relatedId:guid}", async (Guid unitId, Guid relatedId, EditRelatedUnit body, ISender sender, CancellationToken ct) =>
            Results.Ok(new { version = await sender.Send(body with { UnitId = unitId, RelatedUnitId = relatedId }, ct) }));
        api.MapDelete("/units/{unitId:guid}/related-units/{relatedId:guid}", async (Guid unitId, Guid relatedId, int version, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeleteRelatedUnit(unitId, relatedId, version), ct);
            return Results.NoContent();
        });
        api.MapPost("/units/{unitId:guid}/related-units/{relatedId:guid}/evidence", async (Guid unitId, Guid relatedId, IFormFile file, ISender sender, CancellationToken ct) =>
        {
            await using var stream = file.OpenReadStream();
            var id = await sender.Send(new AddRelatedUnitEvidence(unitId, relatedId, stream, file.FileName), ct);
            return Results.Created($"/api/units/{unitId}/related-units/{relatedId}/evidence/{id}", new { id });
        });
        api.MapGet("/units/{unitId:guid}/related-units/{relatedId:guid}/evidence/{fileId:guid}", async (Guid unitId, Guid relatedId, Guid fileId, ISender sender, CancellationToken ct) =>
        {
            var file = await sender.Send(new GetRelatedUnitEvidence(unitId, relatedId, fileId), ct);
            return Results.File(file.Content, file.ContentType, file.FileName);
        });
        api.MapGet("/units/{unitId:guid}/workforce/{year:int}", async (Guid unitId, int year, ISender sender, CancellationToken ct) =>
            await sender.Send(new GetUnitWorkforce(unitId, year), ct) is { } w ? Results.Ok(w) : Results.NotFound());
        api.MapPut("/units/{unitId:guid}/workforce/{year:int}", async (Guid unitId, int year, SaveUnitWorkforce body, ISender sender, CancellationToken ct) =>
            Results.Ok(new { saved = await sender.Send(body with { UnitId = unitId, BusinessYear = year }, ct) }));
        api.MapGet("/review/units", async (string? search, int? page, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetUnitsInJurisdiction(search, page ?? 1, 20), ct))).RequireAuthorization(Policies.Staff);
    }

    private static Guid OwnUnit(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(DeclarationClaims.UnitId), out var id) ? id : throw new NotFoundException("当前账号未绑定单位");
}
