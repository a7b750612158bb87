using Declaration.AnnualReview.Contracts;
using Declaration.Host.Web;
using Mediator;

namespace Declaration.Host.Api;

/// <summary>AnnualReview's JSON API: the unit-year's status, commitment, certification, certificate and reopen requests; staff endpoints.</summary>
internal static class AnnualReviewApi
{
    public sealed record ReopenBody(string Reason);
    public sealed record DecisionBody(bool Approve, string Comment);
    public sealed record WindowBody(DateOnly Opens, DateOnly Closes);

    public static void Map(RouteGroupBuilder api)
    {
        var unit = api.MapGroup("/annual/{unitId:guid}/{year:int}");
        unit.MapGet("/status", async (Guid unitId, int year, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetAnnualReviewStatus(unitId, year), ct)));
        unit.MapGet("/open", async (Guid unitId, int year, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new CheckDeclarationOpen(unitId, year), ct)));
        unit.MapGet("/commitment", async (Guid unitId, int year, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetCommitmentLetter(unitId, year), ct)));
        unit.MapPost("/certify", async (Guid unitId, int year, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new CertifyAnnualReview(unitId, year), ct)));
        unit.MapGet("/certificates", async (Guid unitId, int year, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetAnnualCertificates(unitId, year), ct)));
        unit.MapGet("/certificate", async (Guid unitId, int year, string? number, ISender sender, CancellationToken ct) =>
        {
            var file = await sender.Send(new DownloadAnnualCertificate(unitId, year, number), ct);
            return Results.File(file.Content, file.ContentType, file.FileName);
        });
        unit.MapGet("/reopen-requests", async (Guid unitId, int year, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetUnitReopenRequests(unitId, year), ct)));
        unit.MapPost("/reopen-requests", async (Guid unitId, int year, ReopenBody body, ISender sender, CancellationToken ct) =>
        {
            var id = await sender.Send(new RequestReopen(unitId, year, body.Reason), ct);
            return Results.Created($"/api/annual/{unitId}/{year}/reopen-requests", new { id });
        });

        api.MapGet("/annual/windows/{year:int}", async (int year, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetDeclarationWindow(year), ct)));
        api.MapPut("/annual/windows/{year:int}", async (int year, WindowBody body, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new SetDeclarationWindow(year, body.Opens, body.Closes), ct))).RequireAuthorization(Policies.Admin);

        var review = api.MapGroup("/review/annual").RequireAuthorization(Policies.Staff);
        review.MapGet("/{year:int}/progress", async (int year, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetAnnualProgress(year), ct)));
        review.MapGet("/reopen-requests", async (int? year, bool? pendingOnly, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetReopenRequests(year, pendingOnly ?? true), ct)));
        review.MapPost("/reopen-requests/{requestId:guid}/decision", async (Guid requestId, DecisionBody body, ISender sender, CancellationToken ct) =>
            Results.Ok(new { decided = await sender.Send(new DecideReopenRequest(requestId, body.Approve, body.Comment), ct) }));
        review.MapGet("/{year:int}/tax-export", async (int year, ISender sender, CancellationToken ct) =>
        {
            var output = new MemoryStream();
            await sender.Send(new ExportTax(year, output, ForSpreadsheet: true), ct);
            output.Position = 0;
            return Results.File(output, "text/csv; charset=utf-8", $"tax-{year}.csv");
        });

        // The public verification (no sign-in), as on the /Verify page.
        api.MapGet("/verify", async (string code, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new VerifyCertificate(code), ct))).AllowAnonymous();
    }
}
