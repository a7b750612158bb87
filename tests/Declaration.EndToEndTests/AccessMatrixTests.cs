using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.EndToEndTests;

/// <summary>
/// The access matrix: every API endpoint and every Razor page handler of the running host (discovered from its endpoint data source:
/// an endpoint without an entry fails <see cref="EveryEndpoint_HasAnEntry_AndEveryEntryAnEndpoint"/>) × who asks × whose object.
///
/// Each entry is run twice, once on unit A's objects and once on unit B's, by six callers in this order:
///   anon   — not signed in
///   own    — the employer account of the object's unit
///   other  — the employer account of the other unit
///   revIn  — the reviewer whose jurisdiction covers the object's unit (A: "reviewer" 3301, B: "reviewer-nb" 3302)
///   revOut — the other reviewer
///   admin  — "admin"
/// and each response must have the entry's status for that caller. Besides, no response may ever carry the other unit's data: a
/// caller who may not see a unit (the other employer, the reviewer outside, anybody anonymous) never finds its credit code, its name,
/// its related unit's name or its declared person's name in a body (<see cref="MatrixSide.Markers"/>).
///
/// To add an endpoint: add one line in the right section of <see cref="Matrix"/>, with the key the failing test prints
/// ("GET /api/…", or "POST /Page/Path?handler=Name" for a page handler), the request for a side's objects <c>o</c> and the six
/// statuses. Statuses of a page: 302 = redirected (anon to the sign-in page, a wrong role to /Account/Denied, or after a success);
/// 404/403 = the error page. Writes are made harmless: a stale version (409 for whoever may write), or an action the state refuses
/// (422), or something repeatable (a new related unit, an upload). Entries run in table order; a few change state on purpose
/// (a rejected registry change, a confirmed placement) and the later entries expect that state.
/// </summary>
[NonParallelizable]
public sealed class AccessMatrixTests
{
    /// <summary>A request for a side's objects.</summary>
    public sealed record Req(HttpMethod Method, string Url, Func<HttpContent>? Body = null, bool Page = false);

    /// <summary>One line of the matrix.</summary>
    public sealed record Entry(string Endpoint, Func<MatrixSide, Req> Request, int Anon, int Own, int Other, int RevIn, int RevOut, int Admin)
    {
        public int[] Statuses => [Anon, Own, Other, RevIn, RevOut, Admin];
    }

    private static Entry E(string endpoint, Func<MatrixSide, Req> request, int anon, int own, int other, int revIn, int revOut, int admin) =>
        new(endpoint, request, anon, own, other, revIn, revOut, admin);

    private const int Y = 2025;
    private static readonly string Zero = Guid.Empty.ToString();

    private static Req Get(string url) => new(HttpMethod.Get, url);
    private static Req Delete(string url) => new(HttpMethod.Delete, url);
    private static Req Post(string url, object? json = null) => new(HttpMethod.Post, url, json is null ? null : () => JsonContent.Create(json));
    private static Req Put(string url, object json) => new(HttpMethod.Put, url, () => JsonContent.Create(json));
    private static Req Upload(string url, string field = "file") => new(HttpMethod.Post, url, () =>
        new MultipartFormDataContent { { new ByteArrayContent(Encoding.ASCII.GetBytes("%PDF-1.4\n%%EOF\n")) { Headers = { ContentType = new MediaTypeHeaderValue("application/pdf") } }, field, "矩阵.pdf" } });
    private static Req Page(string url) => new(HttpMethod.Get, url, Page: true);
    private static Req PagePost(string url, params (string Key, string Value)[] fields) =>
        new(HttpMethod.Post, url, () => new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))), Page: true);
    private static Req PageUpload(string url, string field) => new(HttpMethod.Post, url, () =>
        new MultipartFormDataContent { { new ByteArrayContent(Encoding.ASCII.GetBytes("%PDF-1.4\n%%EOF\n")), field, "矩阵.pdf" } }, Page: true);

    private static object Profile(int version) => new
    {
        version, name = "矩阵改名", unitType = "enterprise", legalRepresentative = "法人", legalPhone = "0571-87001234", contactName = "经办人", contactMobile = "13800571234",
    };

    private static int _serial;
    private static object RelatedBody() => new
    {
        relatedCreditCode = AnnualUnitsCodes.Next(), relatedName = $"矩阵新增关联{Interlocked.Increment(ref _serial)}", relationType = "payroll_agent",
        validFrom = "2027-06-01", validTo = (string?)null, regionCode = (string?)null, address = (string?)null, phone = (string?)null,
    };

    private static object PlacementBody(Guid unitId, string region) => MatrixFixture.IdNumber(region) is var id ? new
    {
        unitId, businessYear = Y, idNumber = id, name = "矩阵新增人员", certificateType = "disability", certificateNumber = id + "33",
        employmentStart = "2025-01-01", employmentEnd = (string?)null, contractType = "open_ended", contractStart = "2025-01-01", contractEnd = (string?)null,
        monthlyWage = 6000, retirementBase50 = false, phone = (string?)null,
    } : null!;

    private static readonly string EditId = MatrixFixture.IdNumber("330106");

    private static object EditBody(int version) => new
    {
        version, idNumber = EditId, name = "改名", certificateType = "disability", certificateNumber = EditId + "33",
        employmentStart = "2025-01-01", contractType = "open_ended", contractStart = "2025-01-01", monthlyWage = 6000, retirementBase50 = false,
    };

    private static object NoticeBody(string target) => new { title = "矩阵测试通知", bodyMarkdown = "正文", targetRegionPrefix = target, publishAt = (string?)null, expiresAt = (string?)null, pinned = false };

    private static string Region(MatrixSide o) => o.Side == 'A' ? "330106" : "330212";
    private static string Jurisdiction(MatrixSide o) => o.Side == 'A' ? "3301" : "3302";

    /// <summary>The matrix. Columns: endpoint · request for side o · anon · own · other · revIn · revOut · admin.</summary>
    public static readonly IReadOnlyList<Entry> Matrix =
    [
        // ── Security ───────────────────────────────────────────────────────────────────────────────────────────── anon own other revIn revOut admin
        E("GET /api/antiforgery", o => Get("/api/antiforgery"),                                                          200, 200, 200, 200, 200, 200),

        // ── Units ──
        E("GET /api/units/me", o => Get("/api/units/me"),                                                                 401, 200, 200, 404, 404, 404),
        E("GET /api/units/{unitId:guid}", o => Get($"/api/units/{o.Unit}"),                                               401, 200, 404, 200, 403, 200),
        E("PUT /api/units/{unitId:guid}", o => Put($"/api/units/{o.Unit}", Profile(0)),                                   401, 409, 404, 409, 403, 409),
        E("GET /api/units/{unitId:guid}/history", o => Get($"/api/units/{o.Unit}/history"),                               401, 200, 404, 200, 403, 200),
        E("GET /api/units/{unitId:guid}/related-units", o => Get($"/api/units/{o.Unit}/related-units"),                   401, 200, 404, 200, 403, 200),
        E("POST /api/units/{unitId:guid}/related-units", o => Post($"/api/units/{o.Unit}/related-units", RelatedBody()),  401, 201, 404, 201, 403, 201),
        E("PUT /api/units/{unitId:guid}/related-units/{relatedId:guid}",
            o => Put($"/api/units/{o.Unit}/related-units/{o.Related}", new { version = 0, relatedCreditCode = "91330106MA2F00001X", relatedName = "x", relationType = "labor_dispatch", validFrom = "2027-01-01" }),
                                                                                                                          401, 409, 404, 409, 403, 409),
        E("DELETE /api/units/{unitId:guid}/related-units/{relatedId:guid}", o => Delete($"/api/units/{o.Unit}/related-units/{o.Related}?version=0"),
                                                                                                                          401, 409, 404, 409, 403, 409),
        E("POST /api/units/{unitId:guid}/related-units/{relatedId:guid}/evidence", o => Upload($"/api/units/{o.Unit}/related-units/{o.Related}/evidence"),
                                                                                                                          401, 201, 404, 201, 403, 201),
        E("GET /api/units/{unitId:guid}/related-units/{relatedId:guid}/evidence/{fileId:guid}",
            o => Get($"/api/units/{o.Unit}/related-units/{o.Related}/evidence/{o.RelatedFile}"),                          401, 200, 404, 200, 403, 200),
        E("GET /api/units/{unitId:guid}/workforce/{year:int}", o => Get($"/api/units/{o.Unit}/workforce/{Y}"),            401, 200, 404, 200, 403, 200),
        E("PUT /api/units/{unitId:guid}/workforce/{year:int}", o => Put($"/api/units/{o.Unit}/workforce/{Y}", new { headcount = 120, averageAnnualWage = 96000 }),
                                                                                                                          401, 200, 404, 200, 403, 200),
        E("GET /api/review/units", o => Get("/api/review/units"),                                                         401, 403, 403, 200, 200, 200),
        E("GET /api/units/{unitId:guid}/registry-changes", o => Get($"/api/units/{o.Unit}/registry-changes"),             401, 200, 404, 200, 403, 200),
        E("POST /api/units/{unitId:guid}/registry-changes",
            o => Post($"/api/units/{o.Unit}/registry-changes", new { regionCode = Region(o), federationCode = Region(o), taxAuthorityCode = "T1", reason = "矩阵" }),
                                                                                                                          401, 409, 404, 403, 403, 403),
        E("GET /api/review/registry-changes/", o => Get("/api/review/registry-changes"),                                   401, 403, 403, 200, 200, 200),
        // Rejected by the reviewer of the unit (the unit's facts do not move); the admin then finds it decided.
        E("POST /api/review/registry-changes/{requestId:guid}/decision",
            o => Post($"/api/review/registry-changes/{o.RegistryChange}/decision", new { approve = false, comment = "矩阵测试：不批准" }),
                                                                                                                          401, 403, 403, 200, 403, 409),
        E("POST /api/units/{unitId:guid}/registry-changes/{requestId:guid}/withdraw",
            o => Post($"/api/units/{o.Unit}/registry-changes/{o.RegistryChange}/withdraw"),                               401, 422, 404, 403, 403, 403),

        // ── AnnualReview ──
        E("GET /api/annual/{unitId:guid}/{year:int}/status", o => Get($"/api/annual/{o.Unit}/{Y}/status"),                401, 200, 404, 200, 403, 200),
        E("GET /api/annual/{unitId:guid}/{year:int}/open", o => Get($"/api/annual/{o.Unit}/{Y}/open"),                    401, 200, 404, 200, 403, 200),
        E("GET /api/annual/{unitId:guid}/{year:int}/commitment", o => Get($"/api/annual/{o.Unit}/{Y}/commitment"),        401, 200, 404, 200, 403, 200),
        E("POST /api/annual/{unitId:guid}/{year:int}/certify", o => Post($"/api/annual/{o.Unit}/{Y}/certify"),            401, 422, 404, 403, 403, 403),
        E("GET /api/annual/{unitId:guid}/{year:int}/certificates", o => Get($"/api/annual/{o.Unit}/{Y}/certificates"),    401, 200, 404, 200, 403, 200),
        E("GET /api/annual/{unitId:guid}/{year:int}/certificate", o => Get($"/api/annual/{o.Unit}/{Y}/certificate?number={o.CertificateNumber}"),
                                                                                                                          401, 200, 404, 200, 403, 200),
        E("GET /api/annual/{unitId:guid}/{year:int}/reopen-requests", o => Get($"/api/annual/{o.Unit}/{Y}/reopen-requests"), 401, 200, 404, 200, 403, 200),
        E("POST /api/annual/{unitId:guid}/{year:int}/reopen-requests", o => Post($"/api/annual/{o.Unit}/{Y}/reopen-requests", new { reason = "矩阵" }),
                                                                                                                          401, 422, 404, 403, 403, 403),
        E("GET /api/annual/windows/{year:int}", o => Get($"/api/annual/windows/{Y}"),                                     401, 200, 200, 200, 200, 200),
        E("PUT /api/annual/windows/{year:int}", o => Put($"/api/annual/windows/{Y}", new { opens = "2026-03-01", closes = "2099-12-31" }),
                                                                                                                          401, 403, 403, 403, 403, 200),
        E("GET /api/review/annual/{year:int}/progress", o => Get($"/api/review/annual/{Y}/progress"),                     401, 403, 403, 200, 200, 200),
        E("GET /api/review/annual/reopen-requests", o => Get("/api/review/annual/reopen-requests?pendingOnly=false"),     401, 403, 403, 200, 200, 200),
        E("POST /api/review/annual/reopen-requests/{requestId:guid}/decision",
            o => Post($"/api/review/annual/reopen-requests/{o.Reopen}/decision", new { approve = false, comment = "矩阵" }), 401, 403, 403, 422, 403, 422),
        E("GET /api/review/annual/{year:int}/tax-export", o => Get($"/api/review/annual/{Y}/tax-export"),                 401, 403, 403, 200, 200, 200),
        E("GET /api/verify", o => Get("/api/verify?code=FORGED2345"),                                                     200, 200, 200, 200, 200, 200),

        // ── Placement ──
        E("GET /api/placements", o => Get($"/api/placements?unitId={o.Unit}&year={Y}"),                                    401, 200, 404, 200, 403, 200),
        E("GET /api/placements/summary", o => Get($"/api/placements/summary?unitId={o.Unit}&year={Y}"),                    401, 200, 404, 200, 403, 200),
        E("GET /api/placements/template.{format}", o => Get("/api/placements/template.csv"),                              401, 200, 200, 200, 200, 200),
        E("GET /api/placements/{id:guid}", o => Get($"/api/placements/{o.Placement}"),                                    401, 200, 404, 200, 403, 200),
        E("GET /api/placements/{id:guid}/result", o => Get($"/api/placements/{o.Placement}/result"),                      401, 200, 404, 200, 403, 200),
        // Reviewers never change a unit's declaration; an administrator may act for a unit (here refused by the stale version or the state).
        E("POST /api/placements", o => Post("/api/placements", PlacementBody(o.Unit, Region(o))),                         401, 201, 404, 403, 403, 201),
        E("PUT /api/placements/{id:guid}", o => Put($"/api/placements/{o.Placement}", EditBody(0)),                        401, 409, 404, 403, 403, 409),
        E("POST /api/placements/{id:guid}/submit", o => Post($"/api/placements/{o.Placement}/submit", new { version = 0 }), 401, 409, 404, 403, 403, 409),
        E("POST /api/placements/{id:guid}/dispute", o => Post($"/api/placements/{o.Placement}/dispute", new { version = 0, claimedMonths = new[] { 1 }, reason = "矩阵" }),
                                                                                                                          401, 409, 404, 403, 403, 409),
        E("POST /api/placements/{id:guid}/evidence", o => Upload($"/api/placements/{o.Placement}/evidence"),              401, 422, 404, 403, 403, 422),
        E("GET /api/placements/{id:guid}/evidence/{fileId:guid}", o => Get($"/api/placements/{o.Placement}/evidence/{o.PlacementFile}"),
                                                                                                                          401, 200, 404, 200, 403, 200),
        E("DELETE /api/placements/{id:guid}", o => Delete($"/api/placements/{o.Placement}?version=0"),                    401, 409, 404, 403, 403, 409),

        // ── Certification ──
        E("GET /api/placements/{placementId:guid}/certification", o => Get($"/api/placements/{o.Placement}/certification"), 401, 200, 404, 200, 403, 200),
        E("GET /api/units/{unitId:guid}/certification/{year:int}", o => Get($"/api/units/{o.Unit}/certification/{Y}"),     401, 200, 404, 200, 403, 200),
        E("GET /api/units/{unitId:guid}/certified-count/{year:int}", o => Get($"/api/units/{o.Unit}/certified-count/{Y}"), 401, 200, 404, 200, 403, 200),
        E("GET /api/review/queue", o => Get($"/api/review/queue?year={Y}&pageSize=200"),                                   401, 403, 403, 200, 200, 200),
        E("GET /api/review/placements/{placementId:guid}", o => Get($"/api/review/placements/{o.Placement}"),              401, 403, 403, 200, 403, 200),
        E("PUT /api/review/placements/{placementId:guid}/months/{month:int}",
            o => Put($"/api/review/placements/{o.ReviewPlacement}/months/1", new { grant = true, comment = "矩阵" }),      401, 403, 403, 200, 403, 200),
        E("POST /api/review/placements/{placementId:guid}/confirm", o => Post($"/api/review/placements/{o.ReviewPlacement}/confirm"),
                                                                                                                          401, 403, 403, 200, 403, 422),
        E("POST /api/review/placements/{placementId:guid}/return", o => Post($"/api/review/placements/{o.ReviewPlacement}/return", new { reason = "矩阵" }),
                                                                                                                          401, 403, 403, 422, 403, 422),
        E("POST /api/review/bulk-confirm", o => Post("/api/review/bulk-confirm", new { placementIds = new[] { o.Placement } }), 401, 403, 403, 200, 403, 200),

        // ── LevyCalculator ──
        E("POST /api/levy", o => Post("/api/levy", new { year = 2024, region = "330000", unitType = "enterprise", headcount = 100, averageAnnualWage = 80000, personMonths = 12 }),
                                                                                                                          401, 200, 200, 200, 200, 200),

        // ── Notices (a notice of the side's city; its reviewer published it) ──
        E("GET /api/notices", o => Get("/api/notices"),                                                                   401, 200, 200, 200, 200, 200),
        E("GET /api/notices/latest", o => Get("/api/notices/latest"),                                                     401, 200, 200, 200, 200, 200),
        E("GET /api/notices/{id:guid}", o => Get($"/api/notices/{o.Notice}"),                                             401, 200, 404, 200, 404, 200),
        E("POST /api/notices/{id:guid}/read", o => Post($"/api/notices/{o.Notice}/read"),                                 401, 200, 404, 200, 404, 200),
        E("GET /api/notices/{id:guid}/attachments/{fileId:guid}", o => Get($"/api/notices/{o.Notice}/attachments/{o.NoticeFile}"),
                                                                                                                          401, 200, 404, 200, 404, 200),
        E("GET /api/review/notices/", o => Get("/api/review/notices"),                                                    401, 403, 403, 200, 200, 200),
        E("POST /api/review/notices/", o => Post("/api/review/notices", NoticeBody(Jurisdiction(o))),                     401, 403, 403, 201, 403, 201),
        E("PUT /api/review/notices/{id:guid}", o => Put($"/api/review/notices/{o.Notice}", new { version = 0, title = "改", bodyMarkdown = "改", targetRegionPrefix = Jurisdiction(o), publishAt = "2026-01-01T00:00:00Z", pinned = false }),
                                                                                                                          401, 403, 403, 409, 403, 409),
        E("POST /api/review/notices/{id:guid}/attachments", o => Upload($"/api/review/notices/{o.Notice}/attachments"),   401, 403, 403, 201, 403, 201),
        E("DELETE /api/review/notices/{id:guid}/attachments/{fileId:guid}", o => Delete($"/api/review/notices/{o.Notice}/attachments/{Zero}"),
                                                                                                                          401, 403, 403, 404, 403, 404),
        E("GET /api/admin/sms", o => Get("/api/admin/sms"),                                                               401, 403, 403, 403, 403, 200),
        E("GET /api/units/{unitId:guid}/dashboard", o => Get($"/api/units/{o.Unit}/dashboard?year={Y}"),                   401, 200, 404, 200, 403, 200),

        // ── Pages: account ──
        E("GET /Account/Login", o => Page("/Account/Login"),                                                              200, 200, 200, 200, 200, 200),
        E("POST /Account/Login", o => PagePost("/Account/Login", ("UserName", "matrix-nobody"), ("Password", "")),         200, 200, 200, 200, 200, 200),
        E("GET /Account/Logout", o => Page("/Account/Logout"),                                                            200, 200, 200, 200, 200, 200),
        E("GET /Account/Sso", o => Page("/Account/Sso"),                                                                  404, 404, 404, 404, 404, 404),
        E("GET /Account/Denied", o => Page("/Account/Denied"),                                                            200, 200, 200, 200, 200, 200),
        E("GET /Account/Password", o => Page("/Account/Password"),                                                        302, 200, 200, 200, 200, 200),
        E("POST /Account/Password", o => PagePost("/Account/Password", ("Input.CurrentPassword", "Wrong@2026x"), ("Input.NewPassword", "Matrix@2026x"), ("Input.ConfirmPassword", "Matrix@2026x")),
                                                                                                                          302, 200, 200, 200, 200, 200),
        E("GET /Error", o => Page("/Error"),                                                                              200, 200, 200, 200, 200, 200),
        E("POST /Error", o => PagePost("/Error"),                                                                         200, 200, 200, 200, 200, 200),
        E("GET /Verify", o => Page("/Verify?code=FORGED2345"),                                                            200, 200, 200, 200, 200, 200),
        E("GET /Index", o => Page("/"),                                                                                   302, 200, 200, 302, 302, 302),
        E("GET /Service", o => Page("/Service"),                                                                          302, 200, 200, 200, 200, 200),
        E("GET /Levy/Index", o => Page("/Levy"),                                                                          302, 200, 200, 200, 200, 200),

        // ── Pages: notices ──
        E("GET /Notices/Index", o => Page("/Notices"),                                                                    302, 200, 200, 200, 200, 200),
        E("GET /Notices/Detail", o => Page($"/Notices/Detail?id={o.Notice}"),                                             302, 200, 404, 200, 404, 200),
        E("GET /Notices/Detail?handler=Attachment", o => Page($"/Notices/Detail?id={o.Notice}&handler=Attachment&fileId={o.NoticeFile}"),
                                                                                                                          302, 200, 404, 200, 404, 200),

        // ── Pages: the unit's own (the other employer sees its own unit there; objects by id are another unit's: 404) ──
        E("GET /Unit/Home", o => Page("/Unit/Home"),                                                                      302, 200, 200, 302, 302, 302),
        E("POST /Unit/Home?handler=Workforce", o => PagePost("/Unit/Home?handler=Workforce", ("Workforce.Headcount", "120"), ("Workforce.AverageAnnualWage", "96000")),
                                                                                                                          302, 302, 302, 302, 302, 302),
        E("GET /Unit/Profile", o => Page("/Unit/Profile"),                                                                302, 200, 200, 302, 302, 302),
        E("POST /Unit/Profile", o => PagePost("/Unit/Profile", ("Input.Version", "0"), ("Input.Name", "矩阵"), ("Input.UnitType", "enterprise")),
                                                                                                                          302, 200, 200, 302, 302, 302),
        E("POST /Unit/Profile?handler=Confirm", o => PagePost("/Unit/Profile?handler=Confirm"),                           302, 302, 302, 302, 302, 302),
        E("GET /Unit/History", o => Page("/Unit/History"),                                                                302, 200, 200, 302, 302, 302),
        E("GET /Unit/RegistryChange", o => Page("/Unit/RegistryChange"),                                                  302, 200, 200, 302, 302, 302),
        E("POST /Unit/RegistryChange", o => PagePost("/Unit/RegistryChange", ("Input.RegionCode", "33A")),                 302, 200, 200, 302, 302, 302),
        E("POST /Unit/RegistryChange?handler=Withdraw", o => PagePost("/Unit/RegistryChange?handler=Withdraw", ("requestId", o.RegistryChange.ToString())),
                                                                                                                          302, 200, 404, 302, 302, 302),
        E("GET /Unit/Annual/Index", o => Page($"/Unit/Annual?year={Y}"),                                                  302, 200, 200, 302, 302, 302),
        E("GET /Unit/Annual/Certify", o => Page($"/Unit/Annual/Certify?year={Y}"),                                        302, 200, 200, 302, 302, 302),
        E("POST /Unit/Annual/Certify", o => PagePost($"/Unit/Annual/Certify?year={Y}"),                                   302, 200, 200, 302, 302, 302),
        E("GET /Unit/Annual/Download", o => Page($"/Unit/Annual/Download?year={Y}&number={o.CertificateNumber}"),         302, 200, 404, 302, 302, 302),
        E("GET /Unit/Annual/Feedback", o => Page($"/Unit/Annual/Feedback?year={Y}"),                                      302, 200, 200, 302, 302, 302),
        E("POST /Unit/Annual/Feedback", o => PagePost($"/Unit/Annual/Feedback?year={Y}", ("Reason", "矩阵")),              302, 200, 200, 302, 302, 302),
        E("GET /Unit/Placements/Index", o => Page($"/Unit/Placements?year={Y}"),                                          302, 200, 200, 302, 302, 302),
        E("GET /Unit/Placements/Bulk", o => Page($"/Unit/Placements/Bulk?year={Y}"),                                      302, 200, 200, 302, 302, 302),
        E("GET /Unit/Placements/Bulk?handler=Template", o => Page("/Unit/Placements/Bulk?handler=Template&format=csv"),   302, 200, 200, 302, 302, 302),
        E("POST /Unit/Placements/Bulk?handler=Preview", o => PagePost($"/Unit/Placements/Bulk?handler=Preview&year={Y}"), 302, 200, 200, 302, 302, 302),
        E("POST /Unit/Placements/Bulk?handler=Confirm", o => PagePost($"/Unit/Placements/Bulk?handler=Confirm&year={Y}"), 302, 200, 200, 302, 302, 302),
        E("GET /Unit/Placements/Detail", o => Page($"/Unit/Placements/Detail?id={o.Placement}"),                          302, 200, 404, 302, 302, 302),
        E("GET /Unit/Placements/Detail?handler=Evidence", o => Page($"/Unit/Placements/Detail?id={o.Placement}&handler=Evidence&fileId={o.PlacementFile}"),
                                                                                                                          302, 200, 404, 302, 302, 302),
        E("GET /Unit/Placements/Done", o => Page($"/Unit/Placements/Done?id={o.Placement}"),                              302, 200, 404, 302, 302, 302),
        E("GET /Unit/Placements/Edit", o => Page($"/Unit/Placements/Edit?id={o.Placement}"),                              302, 200, 404, 302, 302, 302),
        E("POST /Unit/Placements/Edit", o => PagePost($"/Unit/Placements/Edit?id={o.Placement}", ("Input.Version", "0"), ("Input.IdNumber", EditId),
                ("Input.Name", "改名"), ("Input.CertificateType", "disability"), ("Input.CertificateNumber", EditId + "33"), ("Input.EmploymentStart", "2025-01-01"),
                ("Input.ContractType", "open_ended"), ("Input.ContractStart", "2025-01-01"), ("Input.MonthlyWage", "6000")),
                                                                                                                          302, 200, 404, 302, 302, 302),
        E("GET /Unit/Placements/Result", o => Page($"/Unit/Placements/Result?id={o.Placement}"),                          302, 200, 404, 302, 302, 302),
        E("POST /Unit/Placements/Result?handler=Submit", o => PagePost($"/Unit/Placements/Result?id={o.Placement}&handler=Submit", ("Version", "0")),
                                                                                                                          302, 200, 404, 302, 302, 302),
        E("POST /Unit/Placements/Result?handler=Dispute", o => PagePost($"/Unit/Placements/Result?id={o.Placement}&handler=Dispute", ("Version", "0")),
                                                                                                                          302, 200, 404, 302, 302, 302),
        E("GET /Unit/Placements/Delete", o => Page($"/Unit/Placements/Delete?id={o.Placement}"),                          302, 200, 404, 302, 302, 302),
        E("POST /Unit/Placements/Delete", o => PagePost($"/Unit/Placements/Delete?id={o.Placement}", ("Version", "0")),   302, 200, 404, 302, 302, 302),
        E("GET /Unit/RelatedUnits/Edit", o => Page($"/Unit/RelatedUnits/Edit?id={o.Related}"),                            302, 200, 404, 302, 302, 302),
        E("POST /Unit/RelatedUnits/Edit", o => PagePost($"/Unit/RelatedUnits/Edit?id={o.Related}", ("Input.Version", "0")),
                                                                                                                          302, 200, 404, 302, 302, 302),
        E("GET /Unit/RelatedUnits/Edit?handler=Evidence", o => Page($"/Unit/RelatedUnits/Edit?id={o.Related}&handler=Evidence&fileId={o.RelatedFile}"),
                                                                                                                          302, 200, 404, 302, 302, 302),
        E("GET /Unit/RelatedUnits/Delete", o => Page($"/Unit/RelatedUnits/Delete?id={o.Related}"),                        302, 200, 404, 302, 302, 302),
        E("POST /Unit/RelatedUnits/Delete", o => PagePost($"/Unit/RelatedUnits/Delete?id={o.Related}", ("Version", "0")), 302, 200, 404, 302, 302, 302),

        // ── Pages: review (staff) ──
        E("GET /Review/Index", o => Page("/Review"),                                                                      302, 302, 302, 200, 200, 200),
        E("GET /Review/Units", o => Page("/Review/Units"),                                                                302, 302, 302, 200, 200, 200),
        E("GET /Review/RegistryChanges", o => Page("/Review/RegistryChanges"),                                            302, 302, 302, 200, 200, 200),
        E("POST /Review/RegistryChanges?handler=Decide", o => PagePost("/Review/RegistryChanges?handler=Decide", ("requestId", o.RegistryChange.ToString()), ("approve", "false"), ("comment", "矩阵")),
                                                                                                                          302, 302, 302, 200, 403, 200),
        E("GET /Review/Annual/Index", o => Page($"/Review/Annual?year={Y}"),                                              302, 302, 302, 200, 200, 200),
        E("POST /Review/Annual/Index?handler=Decide", o => PagePost($"/Review/Annual?year={Y}&handler=Decide", ("requestId", o.Reopen.ToString()), ("approve", "false"), ("comment", "矩阵")),
                                                                                                                          302, 302, 302, 200, 403, 200),
        E("POST /Review/Annual/Index?handler=Window", o => PagePost($"/Review/Annual?year={Y}&handler=Window", ("opens", "2026-03-01"), ("closes", "2099-12-31")),
                                                                                                                          302, 302, 302, 403, 403, 302),
        E("GET /Review/Annual/Export", o => Page($"/Review/Annual/Export?year={Y}"),                                      302, 302, 302, 200, 200, 200),
        E("GET /Review/Placements/Index", o => Page($"/Review/Placements?year={Y}"),                                      302, 302, 302, 200, 200, 200),
        E("GET /Review/Placements/Detail", o => Page($"/Review/Placements/Detail?id={o.Placement}"),                      302, 302, 302, 200, 403, 200),
        E("GET /Review/Placements/Detail?handler=Evidence", o => Page($"/Review/Placements/Detail?id={o.Placement}&handler=Evidence&fileId={o.PlacementFile}"),
                                                                                                                          302, 302, 302, 200, 403, 200),
        E("POST /Review/Placements/Detail?handler=Decide", o => PagePost($"/Review/Placements/Detail?id={o.ReviewPlacement}&handler=Decide", ("month", "2"), ("grant", "true"), ("comment", "矩阵")),
                                                                                                                          302, 302, 302, 200, 403, 200),
        E("POST /Review/Placements/Detail?handler=Confirm", o => PagePost($"/Review/Placements/Detail?id={o.ReviewPlacement}&handler=Confirm"),
                                                                                                                          302, 302, 302, 200, 403, 200),
        E("POST /Review/Placements/Detail?handler=Return", o => PagePost($"/Review/Placements/Detail?id={o.ReviewPlacement}&handler=Return", ("reason", "矩阵")),
                                                                                                                          302, 302, 302, 200, 403, 200),
        E("GET /Review/Placements/BulkConfirm", o => Page("/Review/Placements/BulkConfirm"),                              302, 302, 302, 302, 302, 302),
        E("POST /Review/Placements/BulkConfirm", o => PagePost("/Review/Placements/BulkConfirm"),                         302, 302, 302, 200, 200, 200),
        E("POST /Review/Placements/BulkConfirm?handler=Confirm", o => PagePost("/Review/Placements/BulkConfirm?handler=Confirm"),
                                                                                                                          302, 302, 302, 302, 302, 302),
        E("GET /Review/Notices/Index", o => Page("/Review/Notices"),                                                      302, 302, 302, 200, 200, 200),
        E("GET /Review/Notices/Edit", o => Page($"/Review/Notices/Edit?id={o.Notice}"),                                   302, 302, 302, 200, 404, 200),
        E("POST /Review/Notices/Edit", o => PagePost($"/Review/Notices/Edit?id={o.Notice}", ("Input.Version", "0")),      302, 302, 302, 200, 404, 200),
        E("POST /Review/Notices/Edit?handler=RemoveAttachment", o => PagePost($"/Review/Notices/Edit?id={o.Notice}&handler=RemoveAttachment", ("fileId", Zero)),
                                                                                                                          302, 302, 302, 404, 403, 404),

        // ── Pages: admin ──
        E("GET /Admin/Index", o => Page("/Admin"),                                                                        302, 302, 302, 302, 302, 200),
        E("GET /Admin/Imports", o => Page("/Admin/Imports"),                                                              302, 302, 302, 302, 302, 200),
        E("POST /Admin/Imports", o => PagePost("/Admin/Imports"),                                                         302, 302, 302, 302, 302, 200),
        E("GET /Admin/LevyParameters", o => Page("/Admin/LevyParameters"),                                               302, 302, 302, 302, 302, 200),
        E("POST /Admin/LevyParameters", o => PagePost("/Admin/LevyParameters"),                                          302, 302, 302, 302, 302, 200),
        E("GET /Admin/Deliveries", o => Page("/Admin/Deliveries"),                                                        302, 302, 302, 302, 302, 200),
        E("POST /Admin/Deliveries?handler=Redrive", o => PagePost("/Admin/Deliveries?handler=Redrive", ("schema", "units"), ("queue", "inbox"), ("id", "0")),
                                                                                                                          302, 302, 302, 302, 302, 302),
        E("POST /Admin/Deliveries?handler=RedriveAll", o => PagePost("/Admin/Deliveries?handler=RedriveAll"),             302, 302, 302, 302, 302, 302),
        E("* /health/live", o => Get("/health/live"),                                                                     200, 200, 200, 200, 200, 200),
        E("* /health/ready", o => Get("/health/ready"),                                                                   200, 200, 200, 200, 200, 200),
        E("GET /openapi/{documentName}.json", o => Get("/openapi/v1.json"),                                               200, 200, 200, 200, 200, 200),
        E("GET /scalar/{documentName?}", o => Get("/scalar/"),                                                            200, 200, 200, 200, 200, 200),
        E("GET /scalar/scalar.js", o => Get("/scalar/scalar.js"),                                                         200, 200, 200, 200, 200, 200),
        E("GET /scalar/scalar.aspnetcore.js", o => Get("/scalar/scalar.aspnetcore.js"),                                   200, 200, 200, 200, 200, 200),
        E("GET /scalar/favicon.svg", o => Get("/scalar/favicon.svg"),                                                     200, 200, 200, 200, 200, 200),
        E("GET /Admin/Sms", o => Page("/Admin/Sms"),                                                                      302, 302, 302, 302, 302, 200),
        E("GET /Admin/Accounts/Index", o => Page("/Admin/Accounts"),                                                      302, 302, 302, 302, 302, 200),
        E("POST /Admin/Accounts/Index", o => PagePost("/Admin/Accounts", ("Input.UserName", "")),                         302, 302, 302, 302, 302, 200),
        E("POST /Admin/Accounts/Index?handler=Import", o => PagePost("/Admin/Accounts?handler=Import"),                   302, 302, 302, 302, 302, 200),
        E("GET /Admin/Accounts/Detail", o => Page($"/Admin/Accounts/Detail?id={o.ExtraAccount}"),                         302, 302, 302, 302, 302, 200),
        E("POST /Admin/Accounts/Detail", o => PagePost($"/Admin/Accounts/Detail?id={o.ExtraAccount}", ("Input.Version", "0"), ("Input.DisplayName", "矩阵"), ("Input.Role", "Employer"), ("Input.CreditCode", o.CreditCode)),
                                                                                                                          302, 302, 302, 302, 302, 200),
        E("POST /Admin/Accounts/Detail?handler=Status", o => PagePost($"/Admin/Accounts/Detail?id={o.ExtraAccount}&handler=Status", ("enable", "true")),
                                                                                                                          302, 302, 302, 302, 302, 302),
        E("POST /Admin/Accounts/Detail?handler=Reset", o => PagePost($"/Admin/Accounts/Detail?id={o.ExtraAccount}&handler=Reset"),
                                                                                                                          302, 302, 302, 302, 302, 200),
        E("POST /Admin/Accounts/Detail?handler=Bind", o => PagePost($"/Admin/Accounts/Detail?id={o.ExtraAccount}&handler=Bind", ("subject", "matrix-" + o.Side)),
                                                                                                                          302, 302, 302, 302, 302, 302),
        E("POST /Admin/Accounts/Detail?handler=Unbind", o => PagePost($"/Admin/Accounts/Detail?id={o.ExtraAccount}&handler=Unbind", ("issuer", "oidc"), ("subject", "matrix-" + o.Side)),
                                                                                                                          302, 302, 302, 302, 302, 302),
        E("POST /Admin/Accounts/Detail?handler=CreateKey", o => PagePost($"/Admin/Accounts/Detail?id={o.ExtraAccount}&handler=CreateKey", ("keyName", "矩阵")),
                                                                                                                          302, 302, 302, 302, 302, 200),
        E("POST /Admin/Accounts/Detail?handler=Revoke", o => PagePost($"/Admin/Accounts/Detail?id={o.ExtraAccount}&handler=Revoke", ("keyId", Zero)),
                                                                                                                          302, 302, 302, 302, 302, 302),

        // ── Last: entries that remove the side's objects ──
        E("POST /Unit/RelatedUnits/Edit?handler=DeleteEvidence", o => PagePost($"/Unit/RelatedUnits/Edit?id={o.Related}&handler=DeleteEvidence", ("fileId", o.RelatedFile.ToString())),
                                                                                                                          302, 302, 404, 302, 302, 302),
        E("DELETE /api/review/notices/{id:guid}", o => Delete($"/api/review/notices/{o.Notice}"),                         401, 403, 403, 200, 403, 200),
        E("POST /Review/Notices/Index?handler=Unpublish", o => PagePost("/Review/Notices?handler=Unpublish", ("id", o.Notice.ToString())),
                                                                                                                          302, 302, 302, 302, 403, 302),
        // Signs the caller out: run with a session of its own.
        E("POST /Account/Logout", o => PagePost("/Account/Logout"),                                                       302, 302, 302, 302, 302, 302),
    ];

    private static readonly string[] Callers = ["anon", "own", "other", "revIn", "revOut", "admin"];

    /// <summary>Every page handler and API endpoint the host serves, as "METHOD /path" (page handlers "METHOD /Page?handler=Name").</summary>
    internal static async Task<SortedSet<string>> DiscoverAsync()
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        var loader = E2E.Services.GetRequiredService<PageLoader>();
        foreach (var endpoint in E2E.Services.GetRequiredService<EndpointDataSource>().Endpoints)
        {
            if (endpoint.Metadata.GetMetadata<PageActionDescriptor>() is { } page)
            {
                var compiled = await loader.LoadAsync(page, endpoint.Metadata);
                // A page without a model (or without handler methods) answers GET.
                if (compiled.HandlerMethods.Count == 0) keys.Add($"GET {page.ViewEnginePath}");
                foreach (var handler in compiled.HandlerMethods)
                    keys.Add($"{handler.HttpMethod.ToUpperInvariant()} {page.ViewEnginePath}{(handler.Name is { Length: > 0 } n ? "?handler=" + n : "")}");
            }
            else if (endpoint is RouteEndpoint route)
            {
                var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"];
                foreach (var method in methods) keys.Add($"{method} {route.RoutePattern.RawText}");
            }
        }
        return keys;
    }

    [Test]
    public async Task EveryEndpoint_HasAnEntry_AndEveryEntryAnEndpoint()
    {
        var discovered = await DiscoverAsync();
        var entries = Matrix.Select(e => e.Endpoint).ToList();
        var missing = discovered.Except(entries).ToList();
        var stale = entries.Except(discovered).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(entries, Is.Unique, "one entry per endpoint");
            Assert.That(missing, Is.Empty, "endpoints without an entry in AccessMatrixTests.Matrix — add a line for each:\n  " + string.Join("\n  ", missing));
            Assert.That(stale, Is.Empty, "entries of endpoints that no longer exist:\n  " + string.Join("\n  ", stale));
            Assert.That(discovered, Has.Count.GreaterThan(100), "the discovery sees the host's endpoints");
        });
    }

    private sealed class Caller(string name, HttpSession session)
    {
        public string Name { get; } = name;
        public HttpSession Session { get; } = session;
    }

    [Test]
    public async Task EveryCaller_GetsTheExpectedStatus_AndNeverAnotherUnitsData()
    {
        var (a, b) = await MatrixFixture.SidesAsync();
        using var anonymous = new HttpSession();
        using var employerA = await HttpSession.SignInAsync(a.OwnerUser);
        using var employerB = await HttpSession.SignInAsync(b.OwnerUser);
        using var reviewerA = await HttpSession.SignInAsync(a.ReviewerUser);
        using var reviewerB = await HttpSession.SignInAsync(b.ReviewerUser);
        using var admin = await HttpSession.SignInAsync("admin");
        var sessions = new Dictionary<string, HttpSession>
        {
            ["anonymous"] = anonymous, [a.OwnerUser] = employerA, [b.OwnerUser] = employerB, [a.ReviewerUser] = reviewerA, [b.ReviewerUser] = reviewerB, ["admin"] = admin,
        };
        // Who may never read which side's markers.
        var forbidden = new Dictionary<string, MatrixSide[]>
        {
            ["anonymous"] = [a, b], [a.OwnerUser] = [b], [b.OwnerUser] = [a], [a.ReviewerUser] = [b], [b.ReviewerUser] = [a], ["admin"] = [],
        };
        var failures = new List<string>();
        var requests = 0;
        foreach (var entry in Matrix)
        {
            foreach (var (side, otherSide) in new[] { (a, b), (b, a) })
            {
                string[] users = ["anonymous", side.OwnerUser, otherSide.OwnerUser, side.ReviewerUser, otherSide.ReviewerUser, "admin"];
                for (var i = 0; i < users.Length; i++)
                {
                    var fresh = entry.Endpoint == "POST /Account/Logout";
                    using var own = fresh && users[i] != "anonymous" ? await HttpSession.SignInAsync(users[i]) : null;
                    var session = own ?? sessions[users[i]];
                    var (status, body) = await SendAsync(session, entry.Request(side));
                    requests++;
                    if (status != entry.Statuses[i])
                        failures.Add($"{entry.Endpoint} [{side.Side}] {Callers[i]} ({users[i]}): expected {entry.Statuses[i]}, got {status} — {Excerpt(body)}");
                    if (status == 500) failures.Add($"{entry.Endpoint} [{side.Side}] {Callers[i]}: 500");
                    foreach (var hidden in forbidden[users[i]])
                        foreach (var marker in hidden.Markers)
                            if (body.Contains(marker, StringComparison.Ordinal))
                                failures.Add($"{entry.Endpoint} [{side.Side}] {Callers[i]} ({users[i]}): the body carries unit {hidden.Side}'s data “{marker}”");
                }
            }
        }
        Assert.That(failures, Is.Empty, $"{failures.Count} of {requests} cells differ from the matrix:\n" + string.Join("\n", failures));
    }

    private static async Task<(int Status, string Body)> SendAsync(HttpSession session, Req req)
    {
        using var message = new HttpRequestMessage(req.Method, req.Url) { Content = req.Body?.Invoke() };
        if (req.Page && req.Method != HttpMethod.Get) message.Headers.Add("RequestVerificationToken", await session.AntiforgeryTokenAsync());
        using var response = await session.Client.SendAsync(message);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var text = response.Content.Headers.ContentType?.MediaType is { } type && (type.Contains("pdf", StringComparison.Ordinal) || type.Contains("octet", StringComparison.Ordinal))
            ? string.Empty : Encoding.UTF8.GetString(bytes);
        return ((int)response.StatusCode, text);
    }

    private static string Excerpt(string body)
    {
        var detail = System.Text.RegularExpressions.Regex.Match(body, "\"detail\":\"([^\"]*)\"");
        if (detail.Success) return detail.Groups[1].Value;
        var alert = System.Text.RegularExpressions.Regex.Match(body, "role=\"alert\"[^>]*>(?:<p>)?([^<]{0,160})");
        return alert.Success ? alert.Groups[1].Value.Trim() : body.Length > 160 ? body[..160] : body;
    }
}
