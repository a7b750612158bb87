namespace Declaration.Host.Api;

/// <summary>The JSON API under /api: every endpoint requires a signed-in account; handlers check the unit and jurisdiction.</summary>
internal static class ApiEndpoints
{
    public static void MapApi(this WebApplication app)
    {
        var api = app.MapGroup("/api").RequireAuthorization().DisableAntiforgery();
        UnitsApi.Map(api);
        AnnualReviewApi.Map(api);
        PlacementApi.Map(api);
        LevyApi.Map(api);
        ReviewApi.Map(api);
        NoticesApi.Map(api);
        SecurityApi.Map(api);
    }
}
