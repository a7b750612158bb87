using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;

namespace Declaration.EndToEndTests;

/// <summary>
/// Hostile and broken input through HTTP, as a signed-in clerk of a unit of its own: malformed ids and dates, 10 MB strings, control
/// and bidirectional characters, broken UTF-16, SQL and Markdown/HTML payloads, wrong content types, truncated multiparts, stale
/// versions. No 500, a Chinese message in every refusal, and nothing of a refused request written. What is text (a 𠮷-name, an SQL or
/// HTML payload in a name) is stored as it is and shown encoded.
/// </summary>
public sealed partial class AbuseCorpusTests
{
    private sealed record Case(string Name, Func<HttpRequestMessage> Request, bool Page = false);

    /// <summary>10 MB on the wire however it is encoded (ASCII: the server's 30 MB body limit must not cut the request itself).</summary>
    private static readonly string TenMegabytes = new('x', 10 * 1024 * 1024);
    private const string Sql = "'; DROP TABLE units.unit; --";

    private static HttpRequestMessage Json(HttpMethod method, string url, string json) =>
        new(method, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static HttpRequestMessage Json(HttpMethod method, string url, object body) => new(method, url) { Content = JsonContent.Create(body) };

    private static string PlacementJson(Guid unitId, string name = "张三", string employmentStart = "2025-01-01", string year = "2025", string? id = null)
    {
        id ??= MatrixFixture.IdNumber("330106");
        return $$"""
            {"unitId":"{{unitId}}","businessYear":{{year}},"idNumber":"{{id}}","name":{{JsonSerializer.Serialize(name)}},"certificateType":"disability",
             "certificateNumber":"{{id}}33","employmentStart":"{{employmentStart}}","contractType":"open_ended","contractStart":"2025-01-01","monthlyWage":6000,
             "retirementBase50":false}
            """;
    }

    private static HttpRequestMessage Multipart(string url, byte[] content, string field = "file", string fileName = "证明.pdf", string contentType = "application/pdf")
    {
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(part, field, fileName);
        return new HttpRequestMessage(HttpMethod.Post, url) { Content = form };
    }

    private static HttpRequestMessage Truncated(string url)
    {
        var body = Encoding.ASCII.GetBytes("--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 cut off here");
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=XYZ");
        return new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
    }

    private static HttpRequestMessage Form(string url, params (string Key, string Value)[] fields) =>
        new(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))) };

    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

    [GeneratedRegex("[\u4e00-\u9fff]{2,}")]
    private static partial Regex Chinese();

    private static async Task<long> CountAsync(string sql, Guid unitId)
    {
        await using var connection = new NpgsqlConnection(E2E.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("u", unitId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>What a refused request could have half-written, for one unit.</summary>
    private static async Task<long[]> FootprintAsync(Guid unitId) =>
    [
        await CountAsync("SELECT version FROM units.unit WHERE id = @u", unitId),
        await CountAsync("SELECT count(*) FROM units.related_unit WHERE unit_id = @u", unitId),
        await CountAsync("SELECT count(*) FROM units.related_unit_evidence e JOIN units.related_unit r ON r.id = e.related_unit_id WHERE r.unit_id = @u", unitId),
        await CountAsync("SELECT count(*) FROM placement.placement WHERE unit_id = @u", unitId),
        await CountAsync("SELECT coalesce(sum(version), 0) FROM placement.placement WHERE unit_id = @u", unitId),
        await CountAsync("SELECT count(*) FROM placement.dispute_evidence e JOIN placement.placement p ON p.id = e.placement_id WHERE p.unit_id = @u", unitId),
        await CountAsync("SELECT count(*) FROM units.registry_change_request WHERE unit_id = @u", unitId),
        await CountAsync("SELECT count(*) FROM platform.audit_log WHERE unit_id = @u", unitId),
        await CountAsync("SELECT count(*) FROM platform.stored_file WHERE @u IS NOT NULL", unitId),
    ];

    [Test]
    public async Task HostileInput_GetsA4xxWithAChineseMessage_AndWritesNothing()
    {
        var (unit, user) = await AnnualUnits.FreshAsync("杭州滥用语料测试有限公司");
        using var clerk = await HttpSession.SignInAsync(user);
        var declared = await clerk.Client.PostAsync("/api/placements", new StringContent(PlacementJson(unit.Id), Encoding.UTF8, "application/json"));
        Assert.That(declared.StatusCode, Is.EqualTo(HttpStatusCode.Created), await declared.Content.ReadAsStringAsync());
        var placement = (await declared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("placementId").GetGuid();
        var related = (await (await clerk.Client.PostAsJsonAsync($"/api/units/{unit.Id}/related-units", new
        {
            relatedCreditCode = AnnualUnitsCodes.Next(), relatedName = "滥用语料关联公司", relationType = "payroll_agent", validFrom = "2027-02-01",
        })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var before = await FootprintAsync(unit.Id);

        var u = unit.Id;
        Case[] corpus =
        [
            // Malformed ids and dates.
            new("id that is no GUID", () => new(HttpMethod.Get, "/api/units/not-a-guid")),
            new("unknown GUID", () => new(HttpMethod.Get, $"/api/placements/{Guid.NewGuid()}")),
            new("query GUID malformed", () => new(HttpMethod.Get, "/api/placements?unitId=xyz&year=2025")),
            new("query year overflow", () => new(HttpMethod.Get, $"/api/placements?unitId={u}&year=99999999999")),
            new("date 2025-13-45", () => Json(HttpMethod.Post, "/api/placements", PlacementJson(u, employmentStart: "2025-13-45"))),
            new("date 31 February", () => Json(HttpMethod.Post, "/api/placements", PlacementJson(u, employmentStart: "2025-02-31"))),
            new("year as text", () => Json(HttpMethod.Post, "/api/placements", PlacementJson(u, year: "\"二〇二五\""))),
            new("year far out", () => Json(HttpMethod.Post, "/api/placements", PlacementJson(u, year: "3025"))),
            new("IdNumber checksum", () => Json(HttpMethod.Post, "/api/placements", PlacementJson(u, id: "330106198506120010"))),
            new("page id no GUID", () => new(HttpMethod.Get, "/Unit/Placements/Detail?id=not-a-guid"), Page: true),
            new("page unknown related unit", () => new(HttpMethod.Get, $"/Unit/RelatedUnits/Edit?id={Guid.NewGuid()}"), Page: true),
            // 10 MB strings.
            new("10 MB name (JSON)", () => Json(HttpMethod.Post, "/api/placements", PlacementJson(u, name: TenMegabytes))),
            new("10 MB reason", () => Json(HttpMethod.Post, $"/api/units/{u}/registry-changes", new { regionCode = "330108", federationCode = "330108", taxAuthorityCode = "T", reason = TenMegabytes })),
            new("10 MB page field", () => Form("/Unit/Profile", ("Input.Version", "1"), ("Input.Name", TenMegabytes)), Page: true),
            // Control, bidi and broken characters.
            new("NUL in a name", () => Json(HttpMethod.Post, "/api/placements", PlacementJson(u, name: "张\u0000三"))),
            new("bell in a name", () => Json(HttpMethod.Post, "/api/placements", PlacementJson(u, name: "张\u0007三"))),
            new("C1 control", () => Json(HttpMethod.Post, "/api/placements", PlacementJson(u, name: "张\u0085三"))),
            new("right-to-left override", () => Json(HttpMethod.Post, "/api/placements", PlacementJson(u, name: "张三\u202Egpj.exe"))),
            new("bidi isolate in a reason", () => Json(HttpMethod.Post, $"/api/units/{u}/registry-changes", new { regionCode = "330108", federationCode = "330108", taxAuthorityCode = "T", reason = "迁移\u2067x" })),
            new("lone surrogate (JSON escape)", () => Json(HttpMethod.Post, "/api/placements", PlacementJson(u, name: "PLACEHOLDER").Replace("\"PLACEHOLDER\"", "\"\\ud842x\"", StringComparison.Ordinal))),
            new("control in a file name", () => Multipart($"/api/placements/{placement}/evidence", Pdf, fileName: "a\u0001.pdf")),
            new("control in a page field", () => Form("/Unit/Profile", ("Input.Version", "1"), ("Input.Name", "甲\u0000乙"), ("Input.UnitType", "enterprise")), Page: true),
            new("NUL in the sign-in name", () => Form("/Account/Login", ("UserName", "de\u0000mo"), ("Password", "x")), Page: true),
            // SQL payloads where a value is checked.
            new("SQL as region code", () => Json(HttpMethod.Post, $"/api/units/{u}/registry-changes", new { regionCode = Sql, federationCode = Sql, taxAuthorityCode = "T", reason = Sql })),
            new("SQL as year", () => new(HttpMethod.Get, $"/api/placements?unitId={u}&year=2025%20OR%201=1")),
            // Wrong content types and broken bodies.
            new("text/plain body", () => new(HttpMethod.Post, "/api/placements") { Content = new StringContent(PlacementJson(u), Encoding.UTF8, "text/plain") }),
            new("XML body", () => new(HttpMethod.Post, "/api/placements") { Content = new StringContent("<placement/>", Encoding.UTF8, "application/xml") }),
            new("JSON that does not parse", () => Json(HttpMethod.Post, "/api/placements", "{\"name\": \"张三\", ")),
            new("empty body", () => Json(HttpMethod.Post, "/api/placements", "")),
            new("JSON array for an object", () => Json(HttpMethod.Put, $"/api/units/{u}", "[1,2,3]")),
            new("JSON to an upload", () => Json(HttpMethod.Post, $"/api/placements/{placement}/evidence", "{}")),
            new("truncated multipart (API)", () => Truncated($"/api/units/{u}/related-units/{related}/evidence")),
            new("truncated multipart (page)", () => Truncated("/Unit/Placements/Bulk?handler=Preview"), Page: true),
            new("multipart without the file", () => Multipart($"/api/units/{u}/related-units/{related}/evidence", Pdf, field: "other")),
            new("program disguised as PDF", () => Multipart($"/api/units/{u}/related-units/{related}/evidence", "MZ\u0090\0program"u8.ToArray())),
            new("empty file", () => Multipart($"/api/units/{u}/related-units/{related}/evidence", [])),
            // Wrong-version edits.
            new("stale profile", () => Json(HttpMethod.Put, $"/api/units/{u}", new { version = 0, name = "甲", unitType = "enterprise", legalRepresentative = "法人", legalPhone = "0571-87001234", contactName = "经办人", contactMobile = "13800571234" })),
            new("stale related unit", () => Json(HttpMethod.Put, $"/api/units/{u}/related-units/{related}", new { version = 99, relatedCreditCode = AnnualUnitsCodes.Next(), relatedName = "x", relationType = "payroll_agent", validFrom = "2027-02-01" })),
            new("stale placement edit", () => Json(HttpMethod.Put, $"/api/placements/{placement}", PlacementJson(u).Replace("{", "{\"version\":99,", StringComparison.Ordinal))),
            new("stale submit", () => Json(HttpMethod.Post, $"/api/placements/{placement}/submit", new { version = 99 })),
            new("stale delete", () => new(HttpMethod.Delete, $"/api/placements/{placement}?version=99")),
            new("stale page edit", () => Form($"/Unit/RelatedUnits/Delete?id={related}", ("Version", "99")), Page: true),
            // No antiforgery token on a page form.
            new("page form without token", () => Form("/Unit/Profile?handler=Confirm"), Page: true),
        ];

        var failures = new List<string>();
        foreach (var c in corpus)
        {
            using var request = c.Request();
            if (c.Page && !c.Name.Contains("without token", StringComparison.Ordinal))
                request.Headers.Add("RequestVerificationToken", await clerk.AntiforgeryTokenAsync());
            using var response = await clerk.Client.SendAsync(request);
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();
            var message = c.Page ? Regex.Match(body, "role=\"alert\"[^>]*>(?:\\s|<p>)*([^<]+)").Groups[1].Value : body;
            if (status >= 500) failures.Add($"{c.Name}: {status}");
            else if (c.Page ? status is not (200 or 400 or 404 or 409) : status is < 400 or >= 500)
                failures.Add($"{c.Name}: status {status} — {Excerpt(body)}");
            if (!Chinese().IsMatch(message)) failures.Add($"{c.Name}: no Chinese message ({status}) — {Excerpt(body)}");
        }
        var after = await FootprintAsync(unit.Id);
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty, string.Join("\n", failures));
            Assert.That(after, Is.EqualTo(before), "a refused request wrote nothing (unit version, related units, evidence, placements, versions, files, requests, audit)");
        });
    }

    private static string Excerpt(string body) => body.Length > 200 ? body[..200] : body;

    [Test]
    public async Task Text_IsStoredAsItIs_AndShownEncoded_SupplementaryCharactersIncluded()
    {
        var (unit, user) = await AnnualUnits.FreshAsync("杭州文本存储测试有限公司");
        using var clerk = await HttpSession.SignInAsync(user);
        var saved = await clerk.Client.PostAsync("/api/placements", new StringContent(PlacementJson(unit.Id, name: "𠮷野家"), Encoding.UTF8, "application/json"));
        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Created), await saved.Content.ReadAsStringAsync());
        var id = (await saved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("placementId").GetGuid();
        var list = await clerk.Client.GetFromJsonAsync<JsonElement>($"/api/placements?unitId={unit.Id}&year=2025");
        var detail = await clerk.Client.GetFromJsonAsync<JsonElement>($"/api/placements/{id}");
        var page = await clerk.Client.GetStringAsync("/Unit/Placements?year=2025");
        var masked = await CountAsync("SELECT count(*) FROM placement.placement WHERE unit_id = @u AND name_masked = '𠮷**'", unit.Id);
        var audit = await CountAsync("SELECT count(*) FROM platform.audit_log WHERE unit_id = @u AND after->>'name' = '𠮷**'", unit.Id);

        var profile = await clerk.Client.GetFromJsonAsync<JsonElement>($"/api/units/{unit.Id}");
        var html = "<script>alert(1)</script>" + Sql;
        var edit = await clerk.Client.PutAsJsonAsync($"/api/units/{unit.Id}", new
        {
            version = profile.GetProperty("version").GetInt32(), name = profile.GetProperty("name").GetString(), unitType = "enterprise",
            legalRepresentative = "法人", legalPhone = "0571-87001234", contactName = "经办人", contactMobile = "13800571234", address = html,
        });
        var profilePage = await clerk.Client.GetStringAsync("/Unit/Profile");
        var units = await CountAsync("SELECT count(*) FROM units.unit WHERE id = @u", unit.Id);
        var search = await clerk.Client.GetAsync("/api/notices?q=" + Uri.EscapeDataString(Sql));
        var verify = await clerk.Client.GetStringAsync("/api/verify?code=" + Uri.EscapeDataString("' OR '1'='1"));

        using var reviewer = await HttpSession.SignInAsync("reviewer");
        var notice = await reviewer.Client.PostAsJsonAsync("/api/review/notices", new
        {
            title = "语料通知<b>加粗</b>", bodyMarkdown = "**粗体** <script>alert(1)</script> [链接](javascript:alert(1)) <img src=x onerror=alert(1)>",
            targetRegionPrefix = "330106", publishAt = (string?)null, expiresAt = (string?)null, pinned = false,
        });
        var noticeId = (await notice.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var noticePage = await clerk.Client.GetStringAsync($"/Notices/Detail?id={noticeId}");
        var noticeBody = noticePage[noticePage.IndexOf("<main", StringComparison.Ordinal)..];
        Assert.Multiple(() =>
        {
            Assert.That(list.EnumerateArray().Single(p => p.GetProperty("id").GetGuid() == id).GetProperty("maskedName").GetString(), Is.EqualTo("𠮷**"));
            Assert.That(detail.GetProperty("nameShown").GetString(), Is.EqualTo("𠮷野家"), "the owner sees the whole name");
            Assert.That(page, Does.Contain("𠮷**").Or.Contain("&#x20BB7;**"), "shown whole (HTML encodes characters outside the BMP as one entity)");
            Assert.That(masked, Is.EqualTo(1), "stored masked with the whole character");
            Assert.That(audit, Is.GreaterThanOrEqualTo(1), "audited masked with the whole character");
            Assert.That(edit.StatusCode, Is.EqualTo(HttpStatusCode.OK), "HTML and SQL in an address are only text");
            Assert.That(profilePage, Does.Contain("&lt;script&gt;alert(1)&lt;/script&gt;").And.Not.Contain("<script>alert(1)"));
            Assert.That(units, Is.EqualTo(1));
            Assert.That(search.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(verify, Does.Contain("\"found\":false"), "an SQL payload is only a code that matches nothing");
            Assert.That(notice.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(noticeBody, Does.Contain("<strong>粗体</strong>"));
            Assert.That(noticeBody, Does.Not.Contain("<script>alert").And.Not.Contain("href=\"javascript:").And.Not.Contain("<img"), "no markup of the author runs");
            Assert.That(noticeBody, Does.Contain("&lt;script&gt;alert(1)&lt;/script&gt;"), "raw HTML in Markdown is shown as text");
            Assert.That(noticeBody, Does.Contain("语料通知&lt;b&gt;加粗&lt;/b&gt;"));
        });
    }
}
