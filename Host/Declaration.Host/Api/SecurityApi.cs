using Declaration.Host.Web;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.AspNetCore.Antiforgery;

namespace Declaration.Host.Api;

/// <summary>
/// The antiforgery token for cookie-signed-in scripts (<c>GET /api/antiforgery</c>: send it as the header it names on every
/// state-changing /api call), and the registry-change requests of units and their review.
/// </summary>
internal static class SecurityApi
{
    public sealed record RegistryChangeBody(string RegionCode, string FederationCode, string TaxAuthorityCode, string Reason);
    public sealed record DecisionBody(bool Approve, string? Comment);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/antiforgery", (HttpContext context, IAntiforgery antiforgery) =>
        {
            var tokens = antiforgery.GetAndStoreTokens(context);
            context.Response.Headers.CacheControl = "no-store";
            return Results.Ok(new { headerName = ApiAntiforgeryMiddleware.HeaderName, token = tokens.RequestToken });
        }).AllowAnonymous();

        api.MapGet("/units/{unitId:guid}/registry-changes", async (Guid unitId, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetRegistryChanges(unitId), ct)));
        api.MapPost("/units/{unitId:guid}/registry-changes", async (Guid unitId, RegistryChangeBody body, ISender sender, CancellationToken ct) =>
        {
            var id = await sender.Send(new RequestRegistryChange(unitId, body.RegionCode, body.FederationCode, body.TaxAuthorityCode, body.Reason), ct);
            return Results.Created($"/api/units/{unitId}/registry-changes", new { id });
        });
        api.MapPost("/units/{unitId:guid}/registry-changes/{requestId:guid}/withdraw", async (Guid unitId, Guid requestId, ISender sender, CancellationToken ct) =>
            Results.Ok(new { withdrawn = await sender.Send(new WithdrawRegistryChange(unitId, requestId), ct) }));

        var review = api.MapGroup("/review/registry-changes").RequireAuthorization(Policies.Staff);
        review.MapGet("", async (int? page, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetPendingRegistryChanges(page ?? 1, 20), ct)));
        review.MapPost("/{requestId:guid}/decision", async (Guid requestId, DecisionBody body, ISender sender, CancellationToken ct) =>
            Results.Ok(new { decided = await sender.Send(new DecideRegistryChange(requestId, body.Approve, body.Comment), ct) }));
    }
}
