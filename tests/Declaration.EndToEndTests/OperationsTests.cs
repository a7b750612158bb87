using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Host.Infrastructure;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;

namespace Declaration.EndToEndTests;

/// <summary>What an operator and an integrator get from the running host: health, metrics, the API document, problem details, proxies.</summary>
public sealed partial class OperationsTests
{
    private static HttpClient Anonymous() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(E2E.BaseUrl) };

    [Test]
    public async Task Health_LiveAnswers_AndReadyChecksPostgresTheBusAndTheOutbox()
    {
        using var client = Anonymous();
        var live = await client.GetAsync("/health/live");
        var ready = await client.GetAsync("/health/ready");
        using var readyBody = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        var checks = readyBody.RootElement.GetProperty("checks");
        Assert.Multiple(() =>
        {
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(readyBody.RootElement.GetProperty("status").GetString(), Is.AnyOf("Healthy", "Degraded"));
            Assert.That(checks.GetProperty("postgresql").GetProperty("status").GetString(), Is.EqualTo("Healthy"));
            // Without RabbitMQ the events travel inside PostgreSQL: there is no bus to check (the cluster test checks it with one).
            Assert.That(checks.TryGetProperty("masstransit-bus", out _), Is.False);
            // Every module's outbox is read: its pending rows and the age of the oldest.
            Assert.That(checks.GetProperty("outbox").GetProperty("data").EnumerateObject().Select(p => p.Name),
                Is.SupersetOf(new[] { "units", "placement", "certification", "annual_review", "notices" }));
        });
    }

    [Test]
    public async Task OutboxBacklog_CountsDueAndParkedRows_NotSentOnes()
    {
        // Rows of a type nobody knows: the relay parks a due one (never sends it), so it stays in the backlog either way.
        var backlog = E2E.Services.GetRequiredService<Declaration.BuildingBlocks.Observability.OutboxBacklog>();
        await using var source = NpgsqlDataSource.Create(E2E.ConnectionString);
        // Nothing of other tests still on its way (the relay would send it between the two readings).
        for (var wait = 0; wait < 300; wait++)
        {
            await using var due = source.CreateCommand("SELECT count(*) FROM notices.outbox WHERE sent_at IS NULL AND parked_at IS NULL");
            if ((long)(await due.ExecuteScalarAsync())! == 0) break;
            await Task.Delay(100);
        }
        var before = (await backlog.ReadAsync(CancellationToken.None)).Single(r => r.Schema == "notices");
        var rows = new (DateTimeOffset OccurredAt, bool Sent, bool Parked)[]
        {
            (new(1990, 1, 1, 0, 0, 0, TimeSpan.Zero), true, false), (new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), false, true),
            (new(2001, 1, 1, 0, 0, 0, TimeSpan.Zero), false, false),
        };
        var ids = rows.Select(_ => Guid.NewGuid()).ToArray();
        try
        {
            for (var i = 0; i < rows.Length; i++)
                await using (var insert = source.CreateCommand("""
                    INSERT INTO notices.outbox (id, type, payload, occurred_at, sent_at, parked_at) VALUES ($1, 'Test.Unknown', '{}', $2, $3, $4)
                    """))
                {
                    insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ids[i] });
                    insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = rows[i].OccurredAt });
                    insert.Parameters.Add(new NpgsqlParameter { Value = rows[i].Sent ? DateTimeOffset.UtcNow : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
                    insert.Parameters.Add(new NpgsqlParameter { Value = rows[i].Parked ? DateTimeOffset.UtcNow : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
                    await insert.ExecuteNonQueryAsync();
                }
            var after = (await backlog.ReadAsync(CancellationToken.None)).Single(r => r.Schema == "notices");
            var oldest = DateTimeOffset.UtcNow - after.OldestAge!.Value;
            Assert.Multiple(() =>
            {
                Assert.That(after.Pending - before.Pending, Is.EqualTo(2), "the due row and the parked row; not the sent one");
                Assert.That(oldest.Year, Is.EqualTo(2000), "the oldest unsent row is the parked one of 2000, not the sent one of 1990");
            });
        }
        finally
        {
            await using var delete = source.CreateCommand("DELETE FROM notices.outbox WHERE id = ANY($1)");
            delete.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
            await delete.ExecuteNonQueryAsync();
        }
    }

    [Test]
    public async Task Metrics_ExposeTheApplicationsInstruments_AfterRealWork()
    {
        // Real work that records: a certification batch (nothing changed: results stay as they are) and an import of a
        // unit exactly as the demo data has it (no change), both as the system would run them.
        await E2E.Services.AsUserAsync(TestUsers.System, sp => sp.GetRequiredService<ISender>().Send(new RunCertificationBatch(2025, null, OnlyChanged: true)).AsTask());
        const string units = """
            credit_code,name,unit_type,region_code,federation_code,tax_authority_code,legal_representative,legal_phone,contact_name,contact_mobile,address
            91330106MA2CDE0B2R,杭州市西湖区公共服务中心,institution,330106,330106,13301060000,赵公正,0571-87005678,孙丽,13700571111,杭州市西湖区保俶路2号
            """;
        await E2E.Services.AsUserAsync(TestUsers.System, sp =>
            sp.GetRequiredService<ISender>().Send(new Units.Contracts.ImportUnits(new MemoryStream(Encoding.UTF8.GetBytes(units)))).AsTask());

        using var client = Anonymous();
        Assert.That((await client.GetAsync("/health/live")).IsSuccessStatusCode, Is.True, "one served request");
        var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        var names = MetricName().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(names, Is.SupersetOf(new[]
            {
                "declaration_certification_batch_duration_seconds_count", "declaration_certification_batch_placements_total",
                "declaration_import_rows_total", "declaration_import_rate_per_second_count", "declaration_import_duration_seconds_count",
                "declaration_outbox_lag_seconds", "declaration_outbox_pending", "declaration_sms_messages_total",
                "http_server_request_duration_seconds_count", // ASP.NET Core
                "db_client_operation_duration_seconds_count", // Npgsql
                "dotnet_gc_collections_total", // runtime
            }));
            Assert.That(text, Does.Contain("declaration_import_rows_total{").And.Contain("kind=\"units\""));
            Assert.That(text, Does.Contain("declaration_outbox_pending{").And.Contain("schema=\"placement\""));
        });
    }

    [Test]
    public async Task Metrics_AreNotServedThroughAProxy()
    {
        using var client = Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        request.Headers.Add("X-Forwarded-Proto", "https");
        var response = await client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "a request relayed by the public proxy never sees /metrics");
    }

    [Test]
    public async Task OpenApiDocument_ListsTheApiEndpoints_GroupedByModule()
    {
        using var client = Anonymous();
        var response = await client.GetAsync("/openapi/v1.json");
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths").EnumerateObject().ToList();
        var operations = paths.SelectMany(p => p.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "delete")).ToList();
        var tags = operations.SelectMany(o => o.Value.GetProperty("tags").EnumerateArray().Select(t => t.GetString())).ToHashSet();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(paths.Select(p => p.Name), Has.All.StartWith("/api/"), "pages, health and metrics are not part of the API");
            Assert.That(paths.Select(p => p.Name), Is.SupersetOf(new[] { "/api/units/me", "/api/placements", "/api/placements/{id}", "/api/levy", "/api/notices" }));
            Assert.That(operations, Has.Count.GreaterThanOrEqualTo(55));
            Assert.That(tags, Is.SupersetOf(new[] { "单位 Units", "申报人员 Placement", "认证结果与人工审核 Review", "安全 Security", "年审认证 AnnualReview", "通知公告 Notices", "残保金测算 LevyCalculator" }));
            Assert.That(document.RootElement.GetProperty("info").GetProperty("title").GetString(), Does.Contain("API"));
        });
    }

    [Test]
    public async Task ApiReferencePage_RendersTheOperations_UnderTheStrictPolicy_WithNothingFromOutside()
    {
        var browser = await E2E.BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = E2E.BaseUrl, Locale = "zh-CN" });
        var page = await context.NewPageAsync();
        var violations = new List<string>();
        var outside = new List<string>();
        page.Console += (_, m) => { if (m.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) violations.Add(m.Text); };
        page.Request += (_, r) => { if (!r.Url.StartsWith(E2E.BaseUrl, StringComparison.Ordinal) && !r.Url.StartsWith("data:", StringComparison.Ordinal)) outside.Add(r.Url); };
        var response = await page.GotoAsync("/scalar/");
        await page.GetByText("/api/units/me").First.WaitForAsync(new() { Timeout = 60_000 });
        Assert.Multiple(() =>
        {
            Assert.That(response!.Status, Is.EqualTo(200));
            Assert.That(response.Headers["content-security-policy"], Does.Contain("script-src 'self' 'nonce-").And.Not.Contain("unsafe-eval"));
            Assert.That(violations, Is.Empty, "nothing blocked by the Content-Security-Policy");
            Assert.That(outside, Is.Empty, "no script, font or proxy from outside");
        });
        await context.CloseAsync();
    }

    [Test]
    public async Task ApiErrors_AreProblemJsonWithChineseTitles_PagesKeepTheirHtml()
    {
        using var anonymous = Anonymous();
        using var employer = await HttpSession.SignInAsync("demo");
        var unauthenticated = await anonymous.GetAsync("/api/units/me");
        var forbidden = await employer.Client.GetAsync("/api/review/units");
        var missing = await employer.Client.GetAsync("/api/no-such-endpoint");
        var method = await employer.Client.PatchAsync("/api/units/me", new StringContent("{}", Encoding.UTF8, "application/json"));
        var mediaType = await employer.Client.PostAsync("/api/levy", new StringContent("year=2025", Encoding.UTF8, "text/plain"));
        var badJson = await employer.Client.PostAsync("/api/levy", new StringContent("{not json", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(unauthenticated, 401, "未登录");
        await AssertProblemAsync(forbidden, 403, "无权访问");
        await AssertProblemAsync(missing, 404, "未找到");
        await AssertProblemAsync(method, 405, "不支持该请求方法");
        await AssertProblemAsync(mediaType, 415, "不支持的内容类型");
        await AssertProblemAsync(badJson, 400, "输入有误");

        // Pages: the sign-in redirect and the HTML error page stay as they were.
        var page = await anonymous.GetAsync("/Unit/Profile");
        var missingPage = await employer.Client.GetAsync("/No/Such/Page");
        Assert.Multiple(() =>
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(page.Headers.Location?.ToString(), Does.Contain("/Account/Login"));
            Assert.That(missingPage.Content.Headers.ContentType?.MediaType, Is.Not.EqualTo("application/problem+json"));
        });
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, int status, string title)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), $"HTTP {status}: {body}");
        using var problem = JsonDocument.Parse(body);
        Assert.Multiple(() =>
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(status));
            Assert.That(problem.RootElement.GetProperty("status").GetInt32(), Is.EqualTo(status));
            Assert.That(problem.RootElement.GetProperty("title").GetString(), Is.EqualTo(title));
            Assert.That(problem.RootElement.GetProperty("detail").GetString(), Does.Match(@"\p{IsCJKUnifiedIdeographs}"), "a Chinese detail");
        });
    }

    [Test]
    public async Task BehindATlsProxy_TheRedirectCookiesHstsAndRecordedClientIpAreRight()
    {
        using var client = Anonymous();
        HttpRequestMessage ViaProxy(HttpMethod method, string path)
        {
            var request = new HttpRequestMessage(method, path);
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
            request.Headers.Add("X-Forwarded-Proto", "https");
            request.Headers.Add("X-Forwarded-Host", "decl.example.gov.cn");
            return request;
        }

        var protectedPage = await client.SendAsync(ViaProxy(HttpMethod.Get, "/Unit/Profile"));
        Assert.That(protectedPage.Headers.Location?.ToString(), Does.StartWith("https://decl.example.gov.cn/Account/Login"), "the sign-in redirect keeps the public https address");

        // Sign in through the proxy, handling cookies by hand (the client is on plain http; the cookies are for https).
        var loginPage = await client.SendAsync(ViaProxy(HttpMethod.Get, "/Account/Login"));
        var antiforgery = loginPage.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("decl.af=", StringComparison.Ordinal));
        var token = TokenPattern().Match(await loginPage.Content.ReadAsStringAsync()).Groups[1].Value;
        var signIn = ViaProxy(HttpMethod.Post, "/Account/Login");
        signIn.Headers.Add("Cookie", antiforgery.Split(';')[0]);
        signIn.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["UserName"] = "demo", ["Password"] = E2E.Password, ["__RequestVerificationToken"] = token });
        var signedIn = await client.SendAsync(signIn);
        var auth = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("decl.auth=", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(signedIn.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(auth.ToLowerInvariant(), Does.Contain("; secure"), "the session cookie is Secure behind TLS");
            Assert.That(antiforgery.ToLowerInvariant(), Does.Contain("; secure"), "the antiforgery cookie too");
            Assert.That(signedIn.Headers.Contains("Strict-Transport-Security"), Is.True, "HSTS on https responses");
        });

        // A full view of a person is audited with the client's address, not the proxy's.
        Guid placementId;
        await using (var connection = new NpgsqlConnection(E2E.ConnectionString))
        {
            await connection.OpenAsync();
            await using var find = new NpgsqlCommand("SELECT id FROM placement.placement WHERE credit_code = '91330106MA2CDE0A1M' ORDER BY id LIMIT 1", connection);
            placementId = (Guid)(await find.ExecuteScalarAsync())!;
        }
        var view = ViaProxy(HttpMethod.Get, $"/api/placements/{placementId}");
        view.Headers.Add("Cookie", auth.Split(';')[0]);
        var viewed = await client.SendAsync(view);
        Assert.That(viewed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await viewed.Content.ReadAsStringAsync());
        await using (var connection = new NpgsqlConnection(E2E.ConnectionString))
        {
            await connection.OpenAsync();
            await using var ip = new NpgsqlCommand(
                "SELECT ip FROM platform.audit_log WHERE entity_id = @id AND action = '查看完整身份信息' ORDER BY id DESC LIMIT 1", connection);
            ip.Parameters.AddWithValue("id", placementId.ToString());
            Assert.That(await ip.ExecuteScalarAsync(), Is.EqualTo("203.0.113.7"));
        }

        // The same sign-in page over plain http without a proxy: no Secure flag, no HSTS.
        var direct = await client.GetAsync("/Account/Login");
        Assert.Multiple(() =>
        {
            Assert.That(direct.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("decl.af=", StringComparison.Ordinal)).ToLowerInvariant(), Does.Not.Contain("; secure"));
            Assert.That(direct.Headers.Contains("Strict-Transport-Security"), Is.False);
        });
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"^([a-z_][a-z0-9_]*)(?:\{| )", RegexOptions.Multiline)]
    private static partial Regex MetricName();
}
