using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

// The steps run in order (the last one kills a host): NUnit 5 marks Order obsolete but keeps it.
#pragma warning disable CS0618

namespace Declaration.ClusterTests;

/// <summary>
/// Three hosts behind nginx (round-robin), one PostgreSQL, RabbitMQ: every request may land on any host, and nothing a user or
/// a job does depends on which. The tests run in order (the last ones kill a host).
/// </summary>
[NonParallelizable]
public sealed partial class ThreeHostTests
{
    private static readonly string[] AllHosts = ["host1", "host2", "host3"];

    [Test, Order(1)]
    public async Task AClerksSession_MovesBetweenHosts()
    {
        using var clerk = await Session.SignInAsync("demo");
        // nginx takes a host that was slow to answer (a loaded machine) out of the rotation for a few seconds: go on until every host
        // has answered, or 40 requests.
        for (var i = 0; i < 40 && (i < 6 || clerk.Hosts.Distinct().Count() < AllHosts.Length); i++)
        {
            var response = await clerk.GetAsync("/Unit/Placements?year=2025");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"request {i} on {Session.HostOf(response)} kept the session");
            if (i >= 6) await Task.Delay(500);
        }
        Assert.That(clerk.Hosts.Distinct(), Is.EquivalentTo(AllHosts), "round-robin over the three hosts: " + string.Join(",", clerk.Hosts));
    }

    [Test, Order(2)]
    public async Task AnAttachmentUploadedViaOneHost_DownloadsViaTheOthers_AndTheNoticesTextsGoOutOnce()
    {
        using var reviewer = await Session.SignInAsync("reviewer");
        var published = await reviewer.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/review/notices")
        {
            Content = JsonContent.Create(new { title = "多主机测试通知", bodyMarkdown = "请各单位按时申报。", targetRegionPrefix = "3301", publishAt = (DateTimeOffset?)null, expiresAt = (DateTimeOffset?)null, pinned = false }),
        });
        Assert.That(published.StatusCode, Is.EqualTo(HttpStatusCode.Created), await published.Content.ReadAsStringAsync());
        var noticeId = (await published.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n% multi-host evidence\n" + new string('x', 300_000) + "\n%%EOF\n");
        var upload = new MultipartFormDataContent();
        var file = new ByteArrayContent(pdf);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/pdf");
        upload.Add(file, "file", "通知附件.pdf");
        var uploaded = await reviewer.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/review/notices/{noticeId}/attachments") { Content = upload });
        Assert.That(uploaded.StatusCode, Is.EqualTo(HttpStatusCode.Created), await uploaded.Content.ReadAsStringAsync());
        var uploadHost = Session.HostOf(uploaded);
        var fileId = (await uploaded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        using var clerk = await Session.SignInAsync("demo");
        var servedBy = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var download = await clerk.GetAsync($"/api/notices/{noticeId}/attachments/{fileId}");
            Assert.That(download.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"download via {Session.HostOf(download)}");
            Assert.That(await download.Content.ReadAsByteArrayAsync(), Is.EqualTo(pdf));
            servedBy.Add(Session.HostOf(download));
        }
        Assert.That(servedBy.Where(h => h != uploadHost), Is.Not.Empty, $"uploaded via {uploadHost}, downloaded via {string.Join(",", servedBy)}");

        // NoticePublished → one text per unit of 3301 with a contact mobile, each delivered to the SMS platform once.
        var expected = await Cluster.UntilAsync(() => Cluster.ScalarAsync<long>("SELECT count(*) FROM notices.sms_message WHERE notice_id = @id", ("id", noticeId)),
            n => n > 0, TimeSpan.FromSeconds(60), "texts queued for the notice");
        var sent = await Cluster.UntilAsync(() => Cluster.ScalarAsync<long>("SELECT count(*) FROM notices.sms_message WHERE notice_id = @id AND status = 'sent'", ("id", noticeId)),
            n => n == expected, TimeSpan.FromSeconds(60), "texts sent");
        var rows = await Cluster.RowsAsync("SELECT id, unit_id FROM notices.sms_message WHERE notice_id = @id", ("id", noticeId));
        await AssertEachTextDeliveredOnceAsync(rows.Select(r => (Guid)r[0]!).ToList());
        Assert.That(rows.Select(r => (Guid)r[1]!).Distinct().Count(), Is.EqualTo(rows.Count), "one text per unit");
        Assert.That(sent, Is.EqualTo(expected));
    }

    [Test, Order(3)]
    public async Task ABulkDeclarationPreviewedOnOneHost_IsConfirmedOnAnother()
    {
        const string csv = "credit_code,business_year,id_number,name,certificate_type,certificate_number,employment_start,employment_end,contract_type,contract_start,contract_end,monthly_wage,retirement_base,phone\n" +
                           "91330106MA2CDE0A1M,2025,330106198707070034,周明,disability,33010619870707003443,2025-01-01,,open_ended,2025-01-01,,5200,,\n";
        using var clerk = await Session.SignInAsync("demo");
        var preview = await clerk.PostMultipartAsync("/Unit/Placements/Bulk?handler=Preview", "/Unit/Placements/Bulk?year=2025",
            new() { ["Year"] = "2025" }, "Upload", "人员.csv", Encoding.UTF8.GetBytes(csv), "text/csv");
        var html = await preview.Content.ReadAsStringAsync();
        var previewHost = Session.HostOf(preview);
        Assert.That(html, Does.Contain("文件检查通过"), "the preview passes");
        var token = TokenField().Match(html).Groups[1].Value;
        Assert.That(token, Is.Not.Empty);

        // The next request through round-robin lands on another host; the staged file is in the database, not on previewHost.
        var confirm = await clerk.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/Unit/Placements/Bulk?handler=Confirm")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Year"] = "2025", ["Token"] = token, ["__RequestVerificationToken"] = AntiforgeryField().Match(html).Groups[1].Value,
            }),
        });
        var confirmHost = Session.HostOf(confirm);
        Assert.Multiple(async () =>
        {
            Assert.That(confirmHost, Is.Not.EqualTo(previewHost), "confirmed on another host");
            Assert.That(confirm.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await confirm.Content.ReadAsStringAsync());
            Assert.That(await Cluster.ScalarAsync<long>("SELECT count(*) FROM platform.staged_upload WHERE token = @t", ("t", token)), Is.Zero, "the staged file is removed");
        });
        var list = await (await clerk.GetAsync("/Unit/Placements?year=2025")).Content.ReadAsStringAsync();
        Assert.That(list, Does.Contain("330106********0034"));
    }

    /// <summary>
    /// Issue 14: each host keeps the home page's data and the review queue's pages, checked against stamps in the database on every
    /// request — a change made via one host (or by any statement) shows on every host at once.
    /// </summary>
    [Test, Order(3)]
    public async Task TheHomePageAndTheReviewQueue_CachedByEachHost_ShowAChangeMadeViaAnother()
    {
        using var clerk = await Session.SignInAsync("demo");
        for (var i = 0; i < 40 && (i < 6 || clerk.Hosts.Distinct().Count() < AllHosts.Length); i++)
        {
            Assert.That((await clerk.GetAsync("/Unit/Home?year=2025")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            if (i >= 6) await Task.Delay(500);
        }
        Assert.That(clerk.Hosts.Distinct(), Is.EquivalentTo(AllHosts), "every host has read the home page");
        var headcount = $"{Random.Shared.Next(1000, 9999)}.5";
        var saved = await clerk.PostFormAsync("/Unit/Home?handler=Workforce&year=2025",
            new() { ["Workforce.Headcount"] = headcount, ["Workforce.AverageAnnualWage"] = "88000" }, "/Unit/Home?year=2025");
        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await saved.Content.ReadAsStringAsync());
        var shownBy = new List<string>();
        for (var i = 0; i < 40 && (i < 6 || shownBy.Distinct().Count() < AllHosts.Length); i++)
        {
            var home = await clerk.GetAsync("/Unit/Home?year=2025");
            Assert.That(await home.Content.ReadAsStringAsync(), Does.Contain(headcount), $"the new workforce on {Session.HostOf(home)}");
            shownBy.Add(Session.HostOf(home));
            if (i >= 6) await Task.Delay(500);
        }
        Assert.That(shownBy.Distinct(), Is.EquivalentTo(AllHosts), "saved via " + Session.HostOf(saved) + ", shown by " + string.Join(",", shownBy));

        // The first waiting placement of 杭州's queue, renamed by a statement outside the application: every host shows the new name.
        using var reviewer = await Session.SignInAsync("reviewer");
        var first = await Cluster.RowsAsync("""
            SELECT p.id, p.name_masked FROM placement.placement p JOIN placement.unit u ON u.id = p.unit_id
            WHERE p.state IN ('AwaitingReview', 'Disputed') AND u.federation_code LIKE '3301%'
            ORDER BY (p.state = 'Disputed') DESC, coalesce(p.submitted_at, p.updated_at), p.id LIMIT 1
            """);
        Assert.That(first, Has.Count.EqualTo(1), "the demo data has a queue in 杭州");
        var (id, name) = ((Guid)first[0][0]!, (string)first[0][1]!);
        for (var i = 0; i < 6; i++)
            Assert.That(await (await reviewer.GetAsync("/Review/Placements")).Content.ReadAsStringAsync(), Does.Contain(name));
        try
        {
            await Cluster.ScalarAsync<int>("UPDATE placement.placement SET name_masked = '多**' WHERE id = @id RETURNING 1", ("id", id));
            for (var i = 0; i < 6; i++)
            {
                var queue = await reviewer.GetAsync("/Review/Placements");
                Assert.That(await queue.Content.ReadAsStringAsync(), Does.Contain("多**"), $"the new name on {Session.HostOf(queue)}");
            }
        }
        finally
        {
            await Cluster.ScalarAsync<int>("UPDATE placement.placement SET name_masked = @name WHERE id = @id RETURNING 1", ("name", name), ("id", id));
        }
    }

    [Test, Order(4)]
    public async Task AnAdminImport_RunsOnWhicheverHostHangfirePicks_AndTheNightlyBatchThenRunsOnce()
    {
        using var admin = await Session.SignInAsync("admin");
        var startedAt = await Cluster.ScalarAsync<DateTime>("SELECT now()::timestamp");
        // Xihu's 2025 minimum wage far above every declared wage: the nightly batch must re-certify Xihu's placements.
        var file = Encoding.UTF8.GetBytes("region_code,effective_from,monthly_minimum\n330106,2025-01-01,99999\n");
        var posted = await admin.PostMultipartAsync("/Admin/Imports", "/Admin/Imports", new() { ["Kind"] = "minimum-wages" }, "Upload", "最低工资.csv", file, "text/csv");
        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var statusPage = posted.Headers.Location!.ToString();
        var jobId = Guid.Parse(Regex.Match(statusPage, "job=([0-9a-f-]{36})").Groups[1].Value);
        var page = await Cluster.UntilAsync(async () => await (await admin.GetAsync(statusPage)).Content.ReadAsStringAsync(),
            p => p.Contains("导入成功", StringComparison.Ordinal), TimeSpan.FromSeconds(90), "the import's outcome on the status page");
        Assert.That(page, Does.Contain("共 1 行"));
        var ranOn = await Cluster.ScalarAsync<string>("SELECT host FROM platform.import_job WHERE id = @id AND state = 'succeeded'", ("id", jobId));
        Assert.That(AllHosts, Does.Contain(ranOn));
        TestContext.Out.WriteLine($"import uploaded via {Session.HostOf(posted)}, run by {ranOn}, status polled via {string.Join(",", admin.Hosts.Distinct())}");

        // The nightly batch (every minute here) re-certifies the dirty placements once: one run per trigger across three hosts,
        // one result-change event per placement, each text delivered once.
        await Cluster.UntilAsync(() => Cluster.ScalarAsync<long>("SELECT count(*) FROM certification.placement_dirty"), n => n == 0,
            TimeSpan.FromSeconds(150), "dirty placements re-certified by the nightly batch");
        var runs = await Cluster.RowsAsync("""
            SELECT date_trunc('minute', createdat) AS minute, count(*) FROM hangfire.job
            WHERE invocationdata::text LIKE '%CertificationNightlyJob%' AND createdat >= @since GROUP BY 1 ORDER BY 1
            """, ("since", startedAt.AddMinutes(-1)));
        Assert.That(runs, Is.Not.Empty);
        Assert.That(runs.Select(r => (long)r[1]!), Is.All.EqualTo(1L), "one batch job per trigger, whichever host triggers it");
        var changed = await Cluster.RowsAsync("""
            SELECT payload->>'placementId', count(*) FROM certification.outbox
            WHERE type LIKE '%CertificationResultChanged' AND occurred_at >= @since GROUP BY 1
            """, ("since", DateTime.SpecifyKind(startedAt, DateTimeKind.Utc)));
        Assert.That(changed, Is.Not.Empty, "Xihu placements changed result");
        Assert.That(changed.Select(r => (long)r[1]!), Is.All.EqualTo(1L), "one result-change event per placement");
        var texts = await Cluster.UntilAsync(async () => await Cluster.RowsAsync(
                "SELECT id, status FROM notices.sms_message WHERE kind = 'certification_result_changed' AND created_at >= @since",
                ("since", DateTime.SpecifyKind(startedAt, DateTimeKind.Utc))),
            r => r.Count >= changed.Count && r.All(x => (string)x[1]! == "sent"), TimeSpan.FromSeconds(60), "result-change texts sent");
        await AssertEachTextDeliveredOnceAsync(texts.Select(r => (Guid)r[0]!).ToList());
    }

    [Test, Order(5)]
    public async Task KillingTheHostRunningAnImport_LeavesItFinishedByAnother_NothingLostOrDoubled()
    {
        const int rows = 150_000;
        var csv = new StringBuilder("region_code,effective_from,monthly_minimum\n");
        for (var i = 0; i < rows; i++)
            csv.Append(CultureInvariant($"3399{i % 50:D2},")).Append(new DateOnly(1900, 1, 1).AddDays(i / 50).ToString("yyyy-MM-dd")).Append(",1000\n");
        using var admin = await Session.SignInAsync("admin");
        var posted = await admin.PostMultipartAsync("/Admin/Imports", "/Admin/Imports", new() { ["Kind"] = "minimum-wages" }, "Upload", "大文件.csv",
            Encoding.UTF8.GetBytes(csv.ToString()), "text/csv");
        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var jobId = Guid.Parse(Regex.Match(posted.Headers.Location!.ToString(), "job=([0-9a-f-]{36})").Groups[1].Value);

        var victim = await Cluster.UntilAsync(() => Cluster.ScalarAsync<string>("SELECT host FROM platform.import_job WHERE id = @id AND state = 'running'", ("id", jobId)),
            h => h is not null, TimeSpan.FromSeconds(60), "the import started on some host");
        using (var process = Process.GetProcessById(Cluster.HostPid(victim!))) process.Kill(); // SIGKILL, mid-import
        TestContext.Out.WriteLine($"killed {victim} while it ran the import");

        var done = await Cluster.UntilAsync(() => Cluster.RowsAsync("SELECT state, host, attempts FROM platform.import_job WHERE id = @id", ("id", jobId)),
            r => (string)r[0][0]! is "succeeded" or "failed" or "rejected", TimeSpan.FromSeconds(150), "another host finishes the import");
        var (state, host, attempts) = ((string)done[0][0]!, (string)done[0][1]!, (int)done[0][2]!);
        Assert.Multiple(async () =>
        {
            Assert.That(state, Is.EqualTo("succeeded"));
            Assert.That(host, Is.Not.EqualTo(victim), "finished by another host");
            Assert.That(attempts, Is.GreaterThanOrEqualTo(2));
            Assert.That(await Cluster.ScalarAsync<long>("SELECT count(*) FROM certification.minimum_wage WHERE region_code LIKE '3399%'"), Is.EqualTo(rows),
                "every row once");
            Assert.That(await Cluster.ScalarAsync<long>("SELECT count(*) FROM platform.import_history WHERE kind = 'minimum-wages' AND rows = @n", ("n", (long)rows)),
                Is.EqualTo(1), "one import recorded");
        });

        // The surviving hosts keep serving through the proxy (nginx skips the dead one).
        using var clerk = await Session.SignInAsync("demo");
        for (var i = 0; i < 4; i++) Assert.That((await clerk.GetAsync("/Unit/Placements?year=2025")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(clerk.Hosts, Does.Not.Contain(victim));
    }

    [Test, Order(6)]
    public async Task Readiness_ChecksTheRealBroker_AndFailsWhenItDies_WhileLivenessHolds()
    {
        // Straight to each surviving host (the monitoring system's view), not through the proxy.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var hosts = new List<string>();
        foreach (var host in AllHosts)
        {
            var url = $"http://127.0.0.1:{Cluster.State[$"{host.ToUpperInvariant()}_PORT"]}";
            try { if ((await http.GetAsync($"{url}/health/live")).IsSuccessStatusCode) hosts.Add(url); }
            catch (HttpRequestException) { } // the host the previous step killed
        }
        Assert.That(hosts, Is.Not.Empty);
        var before = await BusCheckAsync(http, hosts[0]);
        Assert.That(before, Is.EqualTo((HttpStatusCode.OK, "Healthy")), "with RabbitMQ connected the bus check is there and healthy");

        // The broker dies (its Erlang node, then the script around it): every host's readiness fails on the bus, liveness holds.
        var node = int.Parse(await File.ReadAllTextAsync(Path.Combine(Cluster.Dir, "rabbitmq", "rabbit.pid")), System.Globalization.CultureInfo.InvariantCulture);
        using (var kill = Process.Start("kill", ["-KILL", node.ToString(System.Globalization.CultureInfo.InvariantCulture), Cluster.State["RABBIT_PID"]])) await kill.WaitForExitAsync();
        foreach (var url in hosts)
        {
            var after = await Cluster.UntilAsync(() => BusCheckAsync(http, url), r => r.Status == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(90),
                $"{url} reports the broker gone");
            Assert.Multiple(async () =>
            {
                Assert.That(after.Bus, Is.AnyOf("Degraded", "Unhealthy"), "MassTransit reports a lost broker connection as Degraded");
                Assert.That((await http.GetAsync($"{url}/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "a restart would not bring the broker back");
            });
        }
    }

    private static async Task<(HttpStatusCode Status, string? Bus)> BusCheckAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync($"{url}/health/ready");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var bus = body.RootElement.GetProperty("checks").TryGetProperty("masstransit-bus", out var check) ? check.GetProperty("status").GetString() : null;
        return (response.StatusCode, bus);
    }

    private static string CultureInvariant(FormattableString s) => FormattableString.Invariant(s);

    /// <summary>Each message reached the SMS platform under its own idempotency key, and exactly once.</summary>
    private static Task AssertEachTextDeliveredOnceAsync(IReadOnlyList<Guid> messageIds)
    {
        var received = Cluster.SmsReceived.ToList();
        foreach (var id in messageIds)
        {
            var deliveries = received.Count(r => r.Key.Contains(id.ToString("D"), StringComparison.OrdinalIgnoreCase) || r.Key.Contains(id.ToString("N"), StringComparison.OrdinalIgnoreCase));
            Assert.That(deliveries, Is.EqualTo(1), $"message {id} delivered {deliveries} times");
        }
        return Task.CompletedTask;
    }

    [GeneratedRegex("name=\"Token\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
