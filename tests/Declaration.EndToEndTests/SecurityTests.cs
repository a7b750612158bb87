using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Npgsql;

namespace Declaration.EndToEndTests;

/// <summary>CSRF on the JSON API, sessions that end with their rights, API keys, rate limits, and what the audit log keeps.</summary>
[NonParallelizable]
public sealed class SecurityTests
{
    private static async Task<string> StateAsync(HttpSession session, Guid unitId) =>
        ((Declaration.AnnualReview.Contracts.AnnualReviewState)(await session.Client.GetFromJsonAsync<JsonElement>($"/api/annual/{unitId}/2025/status"))
            .GetProperty("state").GetInt32()).ToString();

    [Test]
    public async Task AFormPostWithTheCookie_ToCertify_IsRefused_AndCertifiesNothing()
    {
        var (unit, user) = await AnnualUnits.FreshAsync("杭州跨站请求测试有限公司");
        using var owner = await HttpSession.SignInAsync(user);
        var url = $"/api/annual/{unit.Id}/2025/certify";
        // What a foreign page's <form method=post action=".../certify"> sends (a same-site attacker's page would even carry the cookie).
        using var form = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent([new("confirm", "1")]) };
        form.Headers.Add("Origin", "https://attacker.example");
        form.Headers.Referrer = new Uri("https://attacker.example/page.html");
        var refused = await owner.Raw.SendAsync(form);
        var body = await refused.Content.ReadAsStringAsync();
        var bare = await owner.Raw.PostAsync(url, null);
        var wrongToken = new HttpRequestMessage(HttpMethod.Post, url);
        wrongToken.Headers.Add("RequestVerificationToken", "forged-token");
        var forged = await owner.Raw.SendAsync(wrongToken);
        var stateAfterAttacks = await StateAsync(owner, unit.Id);
        // The page's own script (the header) may.
        var allowed = await owner.Client.PostAsync(url, null);
        Assert.Multiple(async () =>
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(body, Does.Contain("防伪令牌"));
            Assert.That(bare.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(stateAfterAttacks, Is.Not.EqualTo("Certified"), "nothing was certified by the refused posts");
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await allowed.Content.ReadAsStringAsync());
            Assert.That(await StateAsync(owner, unit.Id), Is.EqualTo("Certified"));
        });
    }

    [Test]
    public async Task ACrossSitePage_InARealBrowser_CannotCertifyForTheSignedInClerk()
    {
        var (unit, user) = await AnnualUnits.FreshAsync("杭州跨站浏览器测试有限公司");
        var page = await Browser.SignedInPageAsync(user);
        var posted = new TaskCompletionSource<int>();
        page.Response += (_, response) =>
        {
            if (response.Url.Contains("/certify", StringComparison.Ordinal)) posted.TrySetResult(response.Status);
        };
        await page.RouteAsync("https://attacker.example/**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html; charset=utf-8",
            Body = $"<!DOCTYPE html><html><body><form id=f method=post action=\"{E2E.BaseUrl}/api/annual/{unit.Id}/2025/certify\">" +
                   "<input name=confirm value=1></form><script>document.getElementById('f').submit()</script></body></html>",
        }));
        await page.GotoAsync("https://attacker.example/prize.html");
        var status = await posted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var owner = await HttpSession.SignInAsync(user);
        Assert.Multiple(async () =>
        {
            Assert.That(status, Is.AnyOf(400, 401), "refused: the cookie is SameSite=Strict, and without the antiforgery header it would not count anyway");
            Assert.That(await StateAsync(owner, unit.Id), Is.Not.EqualTo("Certified"));
        });
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task DisablingAnAccount_EndsItsOpenSession_OnTheNextRequest()
    {
        var (unit, user) = await AnnualUnits.FreshAsync("杭州停用账号测试有限公司");
        using var clerk = await HttpSession.SignInAsync(user);
        Assert.That((await clerk.Client.GetAsync("/api/units/me")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var admin = await HttpSession.SignInAsync("admin");
        var accountId = await ScalarAsync<Guid>("SELECT id FROM units.account WHERE user_name = @u", user);
        var disable = await admin.PostFormAsync($"/Admin/Accounts/Detail?id={accountId}&handler=Status", new() { ["enable"] = "false" }, $"/Admin/Accounts/Detail?id={accountId}");
        var api = await clerk.Client.GetAsync("/api/units/me");
        var page = await clerk.Client.GetAsync("/Unit/Home");
        var signIn = await new HttpSession().PostFormAsync("/Account/Login", new() { ["UserName"] = user, ["Password"] = E2E.Password });
        var refusal = await signIn.Content.ReadAsStringAsync();
        await admin.PostFormAsync($"/Admin/Accounts/Detail?id={accountId}&handler=Status", new() { ["enable"] = "true" }, $"/Admin/Accounts/Detail?id={accountId}");
        var oldCookieAfterEnable = await clerk.Client.GetAsync("/api/units/me");
        using var again = await HttpSession.SignInAsync(user);
        Assert.Multiple(async () =>
        {
            Assert.That(disable.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(api.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the very next API call");
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(page.Headers.Location!.ToString(), Does.Contain("/Account/Login"));
            Assert.That(refusal, Does.Contain("已停用"));
            Assert.That(oldCookieAfterEnable.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "enabling again does not revive the old session");
            Assert.That((await again.Client.GetAsync("/api/units/me")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task ANewRole_EndsTheSession_AndAnApiKeyActsWithoutCookieOrAntiforgery()
    {
        var (unit, user) = await AnnualUnits.FreshAsync("杭州接口密钥测试有限公司");
        using var clerk = await HttpSession.SignInAsync(user);
        using var admin = await HttpSession.SignInAsync("admin");
        var accountId = await ScalarAsync<Guid>("SELECT id FROM units.account WHERE user_name = @u", user);
        var detail = $"/Admin/Accounts/Detail?id={accountId}";
        var created = await admin.PostFormAsync(detail + "&handler=CreateKey", new() { ["keyName"] = "人事系统对接" }, detail);
        var shown = await created.Content.ReadAsStringAsync();
        var key = System.Text.RegularExpressions.Regex.Match(shown, "decl_[0-9a-f]{32}\\.[A-Za-z0-9_-]{43}").Value;
        using var integrator = new HttpClient { BaseAddress = new Uri(E2E.BaseUrl) };
        integrator.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var read = await integrator.GetAsync($"/api/units/{unit.Id}");
        var write = await integrator.PutAsJsonAsync($"/api/units/{unit.Id}/workforce/2025", new { headcount = 50, averageAnnualWage = 90000 });
        var otherUnit = await integrator.GetAsync("/api/units/me");
        var onAPage = await integrator.GetAsync("/Unit/Home");
        var version = await ScalarAsync<int>("SELECT version FROM units.account WHERE user_name = @u", user);
        var update = await admin.PostFormAsync(detail, new()
        {
            ["Input.Version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Input.DisplayName"] = "改为审核员", ["Input.Role"] = "Reviewer", ["Input.Jurisdiction"] = "3301",
        }, detail);
        var afterRoleChange = await clerk.Client.GetAsync("/api/units/me");
        var keyAfterRoleChange = await integrator.GetAsync($"/api/units/{unit.Id}/related-units");
        using var forged = new HttpClient { BaseAddress = new Uri(E2E.BaseUrl) };
        forged.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key[..^3] + "abc");
        var forgedRead = await forged.GetAsync($"/api/units/{unit.Id}");
        Assert.Multiple(async () =>
        {
            Assert.That(key, Is.Not.Empty, "the key is shown once on the page");
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.OK), "an API key needs no antiforgery header: " + await write.Content.ReadAsStringAsync());
            Assert.That(otherUnit.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(onAPage.StatusCode, Is.Not.EqualTo(HttpStatusCode.OK), "keys are for /api only");
            Assert.That(update.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(afterRoleChange.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "a new role ends the session");
            Assert.That(keyAfterRoleChange.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the key acts with the account's current rights (a reviewer of 3301)");
            Assert.That(forgedRead.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(await forgedRead.Content.ReadAsStringAsync(), Does.Contain("接口密钥"));
        });
    }

    [Test]
    public async Task SignIn_Verify_AndUploads_AreRateLimited_WithAChineseAnswer()
    {
        await Task.Delay(E2E.RateLimitWindow);
        using var anonymous = new HttpSession();
        // Per user name (12 in a window here): a name nobody has; forms without a token are still counted.
        var byName = new List<HttpStatusCode>();
        for (var i = 0; i < 14; i++)
            byName.Add((await anonymous.Raw.PostAsync("/Account/Login", new FormUrlEncodedContent([new("UserName", "rate-limit-probe"), new("Password", "x")]))).StatusCode);
        // Per address (60): other names.
        var byAddress = new List<HttpResponseMessage>();
        for (var i = 0; i < 62; i++)
            byAddress.Add(await anonymous.Raw.PostAsync("/Account/Login", new FormUrlEncodedContent([new("UserName", $"probe-{i}"), new("Password", "x")])));
        var limitedPage = await byAddress.Last().Content.ReadAsStringAsync();
        // /Verify per address (30).
        var verify = new List<HttpResponseMessage>();
        for (var i = 0; i < 32; i++) verify.Add(await anonymous.Raw.GetAsync($"/api/verify?code=PROBE{i:D5}"));
        var verifyBody = await verify.Last().Content.ReadAsStringAsync();
        await Task.Delay(E2E.RateLimitWindow);
        // Uploads per account (60): refused uploads count too.
        using var clerk = await HttpSession.SignInAsync("demo2");
        var uploads = new List<HttpStatusCode>();
        for (var i = 0; i < 62; i++)
        {
            using var form = new MultipartFormDataContent { { new ByteArrayContent("%PDF-1.4"u8.ToArray()), "file", "a.pdf" } };
            uploads.Add((await clerk.Client.PostAsync($"/api/placements/{Guid.NewGuid()}/evidence", form)).StatusCode);
        }
        await Task.Delay(E2E.RateLimitWindow);
        var fresh = await new HttpSession().Raw.GetAsync("/api/verify?code=AFTERWARDS");
        Assert.Multiple(() =>
        {
            Assert.That(byName.Take(12), Has.None.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(byName.Skip(12), Is.All.EqualTo(HttpStatusCode.TooManyRequests), "a 13th try of one name");
            Assert.That(byAddress.Select(r => r.StatusCode), Has.Some.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(byAddress.Last().Headers.RetryAfter, Is.Not.Null);
            Assert.That(limitedPage, Does.Contain("操作过于频繁"));
            Assert.That(verify.Take(30).Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
            Assert.That(verify.Skip(30).Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(verifyBody, Does.Contain("操作过于频繁"));
            Assert.That(uploads.Take(60), Has.None.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(uploads.Skip(60), Is.All.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(fresh.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a new window lets the address in again");
        });
    }

    [Test]
    public async Task TheSequentialCertificateNumber_DoesNotVerify_TheRandomCodeDoes()
    {
        var (unit, user) = await AnnualUnits.FreshAsync("杭州核验码测试有限公司");
        using var owner = await HttpSession.SignInAsync(user);
        var issued = await (await owner.Client.PostAsync($"/api/annual/{unit.Id}/2025/certify", null)).Content.ReadFromJsonAsync<JsonElement>();
        using var anonymous = new HttpSession();
        var byNumber = await anonymous.Client.GetStringAsync("/api/verify?code=" + issued.GetProperty("certificateNumber").GetString());
        var byCode = await anonymous.Client.GetStringAsync("/api/verify?code=" + issued.GetProperty("shortCode").GetString());
        var page = await anonymous.Client.GetStringAsync("/Verify?code=" + issued.GetProperty("certificateNumber").GetString());
        Assert.Multiple(() =>
        {
            Assert.That(byNumber, Does.Contain("\"found\":false").And.Not.Contain("核验码测试"));
            Assert.That(byCode, Does.Contain("\"valid\":true").And.Contain("杭州核验码测试有限公司"));
            Assert.That(page, Does.Contain("未找到该确认书"));
        });
    }

    [Test]
    public async Task Downloads_FullIdViewsAndExports_AreAudited_AndNoAuditRecordHoldsPersonalDataInClear()
    {
        var (unit, user) = await AnnualUnits.FreshAsync("杭州审计测试有限公司");
        using var clerk = await HttpSession.SignInAsync(user);
        var id = MatrixFixture.IdNumber("330106");
        var declared = await clerk.Client.PostAsJsonAsync("/api/placements", new
        {
            unitId = unit.Id, businessYear = 2025, idNumber = id, name = "审计张三", certificateType = "disability", certificateNumber = id + "33",
            employmentStart = "2025-01-01", contractType = "open_ended", contractStart = "2025-01-01", monthlyWage = 6000, retirementBase50 = false, phone = "13912345678",
        });
        Assert.That(declared.StatusCode, Is.EqualTo(HttpStatusCode.Created), await declared.Content.ReadAsStringAsync());
        var placement = (await declared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("placementId").GetGuid();
        using var pdf = new MultipartFormDataContent { { new ByteArrayContent(MatrixFixture.Pdf().ToArray()), "file", "证明.pdf" } };
        var file = (await (await clerk.Client.PostAsync($"/api/placements/{placement}/evidence", pdf)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await clerk.Client.GetByteArrayAsync($"/api/placements/{placement}/evidence/{file}");
        await clerk.Client.GetStringAsync($"/api/placements/{placement}");
        var profile = await clerk.Client.GetFromJsonAsync<JsonElement>($"/api/units/{unit.Id}");
        await clerk.Client.PutAsJsonAsync($"/api/units/{unit.Id}", new
        {
            version = profile.GetProperty("version").GetInt32(), name = profile.GetProperty("name").GetString(), unitType = "enterprise",
            legalRepresentative = "王法人", legalPhone = "0571-86665555", contactName = "李经办", contactMobile = "13766665555",
        });
        using var reviewer = await HttpSession.SignInAsync("reviewer");
        await reviewer.Client.GetStringAsync("/api/review/annual/2025/tax-export");

        var actions = await ListAsync("SELECT action FROM platform.audit_log WHERE unit_id = @u", unit.Id);
        var exports = await ListAsync("SELECT actor_name FROM platform.audit_log WHERE module = 'Export' AND entity_id = 'tax/2025' AND @u IS NOT NULL", unit.Id);
        var records = await ListAsync("""
            SELECT before::text FROM platform.audit_log WHERE before IS NOT NULL AND @u IS NOT NULL
            UNION ALL SELECT after::text FROM platform.audit_log WHERE after IS NOT NULL
            """, unit.Id);
        var clear = new List<string>();
        foreach (var record in records) Walk(JsonNode.Parse(record), null, clear);
        Assert.Multiple(() =>
        {
            Assert.That(actions, Does.Contain("下载异议证明材料"));
            Assert.That(actions, Does.Contain("查看完整身份信息"));
            Assert.That(exports, Is.Not.Empty, "the tax export is audited with who took it");
            Assert.That(string.Join("\n", records), Does.Not.Contain("13912345678").And.Not.Contain("13766665555").And.Not.Contain("86665555").And.Not.Contain(id));
            Assert.That(clear, Is.Empty, "personal data in clear in the audit log:\n" + string.Join("\n", clear.Take(20)));
        });
    }

    /// <summary>Phones, mobiles, IdNumbers and people's names are masked (hold "*") wherever they appear in any audit record.</summary>
    private static void Walk(JsonNode? node, string? key, List<string> clear)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o) Walk(v, k, clear);
                break;
            case JsonArray a:
                foreach (var v in a) Walk(v, key, clear);
                break;
            case JsonValue v when key is not null && v.TryGetValue<string>(out var text) && text.Length > 0:
                var k2 = key.ToLowerInvariant();
                var personal = k2.Contains("phone", StringComparison.Ordinal) || k2.Contains("mobile", StringComparison.Ordinal) || k2.Contains("idnumber", StringComparison.Ordinal)
                               || k2 is "contactname" or "legalrepresentative";
                if (personal && !text.Contains('*', StringComparison.Ordinal)) clear.Add($"{key} = {text}");
                break;
        }
    }

    private static async Task<T> ScalarAsync<T>(string sql, string user)
    {
        await using var connection = new NpgsqlConnection(E2E.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("u", user);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<string>> ListAsync(string sql, Guid unitId)
    {
        await using var connection = new NpgsqlConnection(E2E.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("u", unitId);
        var list = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) list.Add(reader.GetString(0));
        return list;
    }
}
