using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using Declaration.BuildingBlocks.Testing;
using Declaration.TestSupport;
using Npgsql;

namespace Declaration.ReliabilityTests;

/// <summary>
/// Issue 10's fault-injection test on real PostgreSQL and a real host process: at least 200 mixed operations of clerks and
/// reviewers (declare, edit, submit, dispute with evidence, decide months, confirm, bulk-confirm, return, delete, certify the year,
/// reopen and approve, linkage imports and the certification batch), with every event handler failing at random (20 % of
/// deliveries, after the handler ran: its changes roll back), the host killed with SIGKILL at random instants at least five
/// times and started again, and PostgreSQL itself restarted once in the middle. Afterwards nothing is pending, the consistency
/// check reports 0 and every case SMS was queued once.
/// </summary>
[TestFixture]
public sealed class FaultInjectionTests
{
    private const string Password = "Demo@2026";
    private const int Year = 2025;
    private const string UnitA = "91330106MA2CDE0A1M";

    private static readonly string[] CaseSmsEvents =
    [
        "Declaration.Placement.Contracts.PlacementReturned", "Declaration.Placement.Contracts.DisputeDecided",
        "Declaration.AnnualReview.Contracts.AnnualCertificationCompleted", "Declaration.AnnualReview.Contracts.ReopenRequestDecided",
    ];

    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

    private PostgresServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await PostgresServer.StartAsync("faults");
        var seeded = await CliRunner.RunAsync(_server.ConnectionString, new Dictionary<string, string?> { ["DOTNET_ENVIRONMENT"] = "Demo" }, "seed-demo");
        Assert.That(seeded.ExitCode, Is.Zero, seeded.StandardError);
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task MixedOperations_WithFailingHandlers_AndAKilledHost_EndConsistent_WithEveryCaseSmsQueuedOnce()
    {
        var seed = Environment.TickCount;
        TestContext.Out.WriteLine($"random seed {seed}");
        var rng = new Random(seed);
        await using var host = new HostProcess(_server.ConnectionString, new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Declaration:Messaging:Enabled"] = "true",
            ["Declaration:Messaging:FaultInjectionRate"] = "0.2",
            ["Declaration:Messaging:PollInterval"] = "00:00:00.100",
            ["Declaration:Messaging:RetryBaseDelay"] = "00:00:00.050",
            ["Declaration:Messaging:RetryMaxDelay"] = "00:00:00.500",
            ["Declaration:Messaging:MaxAttempts"] = "40",
            // Several workers apply each module's inbox at once, as in production (TestApp's one keeps module tests in order).
            ["Declaration:Messaging:InboxWorkers"] = "4",
            ["Declaration:Hangfire:Enabled"] = "false",
            ["Declaration:Sms:SenderEnabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        var started = await ScalarAsync<DateTime>(_server.ConnectionString, "SELECT now()");
        await host.StartAsync();
        var world = await World.SignInAsync(host.BaseUrl, _server.ConnectionString);
        var stats = new Stats();

        using var stop = new CancellationTokenSource();
        var killer = Task.Run(async () =>
        {
            var killerRng = new Random(seed + 1);
            while (!stop.IsCancellationRequested)
            {
                try { await Task.Delay(killerRng.Next(1500, 5000), stop.Token); }
                catch (OperationCanceledException) { break; }
                await host.KillAsync();
                await Task.Delay(killerRng.Next(100, 800));
                await host.StartAsync();
            }
        });

        var restartedPostgres = false;
        var postgresDownUntil = DateTime.MinValue;
        while (stats.Attempted < 200 || host.Kills < 5)
        {
            if (!restartedPostgres && stats.Attempted >= 100 && PostgresRestart.Possible(_server))
            {
                // Every connection of every process dies; requests in those seconds fail (a 5xx then is the outage, not a bug).
                postgresDownUntil = DateTime.UtcNow.AddSeconds(60);
                await PostgresRestart.RestartAsync(_server.ConnectionString);
                postgresDownUntil = DateTime.UtcNow.AddSeconds(5);
                restartedPostgres = true;
            }
            // Every 40th operation a linkage import and the certification batch run as command-line processes (slow: a few a run).
            var op = stats.Attempted % 40 == 39 ? LinkageAndBatch : Operations[rng.Next(Operations.Length)];
            try
            {
                var status = await op.Run(world, rng);
                if ((int?)status >= 500 && DateTime.UtcNow < postgresDownUntil) stats.Interrupted++;
                else stats.Record(op.Name, status);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                stats.Interrupted++;
                await Task.Delay(300);
            }
        }
        await stop.CancelAsync();
        await killer;
        if (!host.Running) await host.StartAsync();

        // Every committed event reaches every subscriber despite the failures (the host keeps retrying).
        var pending = await Poller.UntilAsync(() => PendingAsync(_server.ConnectionString), n => n == 0, TimeSpan.FromMinutes(3));
        await host.KillAsync();
        var check = await CliRunner.RunAsync(_server.ConnectionString, "check-consistency", "--grace", "0");
        // The deliveries of this run (the demo data's were delivered without faults before it).
        var since = $"processed_at IS NOT NULL AND received_at >= '{started:O}'";
        var failedAttempts = await ScalarAsync<long>(_server.ConnectionString, SumOverInboxes($"sum(attempts - 1) FILTER (WHERE {since})"));
        var deliveries = await ScalarAsync<long>(_server.ConnectionString, SumOverInboxes($"count(*) FILTER (WHERE {since})"));
        var sms = await CaseSmsAsync(_server.ConnectionString);
        var resultSms = await ResultChangedSmsAsync(_server.ConnectionString);

        TestContext.Out.WriteLine(stats.Report());
        TestContext.Out.WriteLine($"PostgreSQL restarted: {restartedPostgres}; host starts {host.Starts}, kills (SIGKILL) {host.Kills}; deliveries {deliveries}, failed delivery attempts {failedAttempts} "
                                  + $"({100.0 * failedAttempts / Math.Max(1, deliveries + failedAttempts):0.0} %); pending at the end {pending}");
        TestContext.Out.WriteLine(check.StandardOutput.Trim());
        foreach (var (type, events, withOne, withMore) in sms)
            TestContext.Out.WriteLine($"{type}: {events} events, {withOne} with exactly one SMS, {withMore} with more");
        Assert.Multiple(() =>
        {
            Assert.That(stats.Attempted, Is.GreaterThanOrEqualTo(200));
            Assert.That(host.Kills, Is.GreaterThanOrEqualTo(5));
            Assert.That(restartedPostgres || !PostgresRestart.Possible(_server), Is.True, "PostgreSQL was restarted once");
            Assert.That(failedAttempts, Is.GreaterThanOrEqualTo((deliveries + failedAttempts) / 10), "at least 10 % of the deliveries failed");
            Assert.That(stats.ServerErrors, Is.Empty, "no request answered 5xx");
            Assert.That(pending, Is.Zero);
            Assert.That(check.ExitCode, Is.Zero, check.StandardOutput + check.StandardError);
            Assert.That(check.StandardOutput, Does.Contain(" 0 inconsistencies, 0 undelivered, 0 parked"));
            Assert.That(sms.Sum(s => s.Events), Is.GreaterThan(0), "case events happened");
            foreach (var (type, events, withOne, withMore) in sms)
            {
                Assert.That(withOne, Is.EqualTo(events), $"{type}: every event queued its SMS");
                Assert.That(withMore, Is.Zero, $"{type}: no event queued two");
            }
            Assert.That(resultSms.Duplicates, Is.Zero, "CertificationResultChanged texted twice");
            Assert.That(resultSms.Missing, Is.Zero, "CertificationResultChanged of a placement that still exists without its SMS");
        });
    }

    // ---- the operations -------------------------------------------------------------------------------------------------

    /// <summary>An operation; it answers the response's status, or null when there was nothing to do it on.</summary>
    private sealed record Operation(string Name, Func<World, Random, Task<HttpStatusCode?>> Run);

    private static readonly Operation LinkageAndBatch = new("linkage import + batch", (w, r) => w.LinkageAndBatchAsync(r));

    private static readonly Operation[] Operations =
    [
        new("declare", (w, r) => w.DeclareAsync(r)), new("declare", (w, r) => w.DeclareAsync(r)),
        new("submit", (w, r) => w.SubmitAsync(r)), new("submit", (w, r) => w.SubmitAsync(r)),
        new("dispute", (w, r) => w.DisputeAsync(r)),
        new("edit", (w, r) => w.EditAsync(r)),
        new("delete", (w, r) => w.DeleteAsync(r)),
        new("decide month", (w, r) => w.DecideAsync(r)), new("decide month", (w, r) => w.DecideAsync(r)),
        new("confirm", (w, r) => w.ConfirmAsync(r)), new("confirm", (w, r) => w.ConfirmAsync(r)),
        new("bulk-confirm", (w, r) => w.BulkConfirmAsync()),
        new("return", (w, r) => w.ReturnAsync(r)),
        new("certify the year", (w, r) => w.CertifyYearAsync(r)),
        new("reopen", (w, r) => w.ReopenAsync(r)), new("reopen", (w, r) => w.ReopenAsync(r)),
    ];

    /// <summary>The clerks of units A and B, their reviewers, and the persons the test declared.</summary>
    private sealed class World
    {
        public required string ConnectionString { get; init; }
        public required (ApiSession Clerk, ApiSession Reviewer, Guid UnitId)[] Units { get; init; }
        private readonly HashSet<string> _ids = [];
        private readonly List<string> _declared = [];
        private int _sequence;

        public static async Task<World> SignInAsync(string baseUrl, string connectionString)
        {
            var units = new List<(ApiSession, ApiSession, Guid)>();
            foreach (var (clerk, reviewer) in new[] { ("demo", "reviewer"), ("demo2", "reviewer-nb") })
            {
                var c = await ApiSession.SignInAsync(baseUrl, clerk, Password);
                var r = await ApiSession.SignInAsync(baseUrl, reviewer, Password);
                var me = await c.GetAsync("/api/units/me");
                units.Add((c, r, me.GetProperty("id").GetGuid()));
            }
            return new World { ConnectionString = connectionString, Units = [.. units] };
        }

        private (ApiSession Clerk, ApiSession Reviewer, Guid UnitId) Unit(Random r) => Units[r.Next(Units.Length)];

        private static PlacementState State(JsonElement p) => p.GetProperty("state") is { ValueKind: JsonValueKind.Number } n
            ? (PlacementState)n.GetInt32() : Enum.Parse<PlacementState>(p.GetProperty("state").GetString()!);

        private static async Task<JsonElement?> PickAsync(ApiSession clerk, Random r, Func<PlacementState, bool> where)
        {
            var list = (await clerk.GetAsync($"/api/placements?year={Year}")).EnumerateArray().Where(p => where(State(p))).ToList();
            return list.Count == 0 ? null : list[r.Next(list.Count)];
        }

        private static async Task<List<JsonElement>> QueueAsync(ApiSession reviewer) =>
            (await reviewer.GetAsync($"/api/review/queue?year={Year}&pageSize=200")).GetProperty("items").EnumerateArray().ToList();

        private string NewIdNumber(Random r)
        {
            while (true)
            {
                var birth = new DateOnly(1975, 1, 1).AddDays(r.Next(0, 20 * 365));
                var id = LinkageData.IdNumber(birth.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), r.Next(1, 999));
                if (_ids.Add(id)) return id;
            }
        }

        private static object Facts(string id, string name, decimal wage) => new
        {
            unitId = Guid.Empty, businessYear = Year, idNumber = id, name, certificateType = "disability", certificateNumber = id + "43",
            employmentStart = "2024-01-01", employmentEnd = (string?)null, contractType = "open_ended", contractStart = "2024-01-01",
            contractEnd = (string?)null, monthlyWage = wage, retirementBase50 = false, phone = (string?)null,
        };

        public async Task<HttpStatusCode?> DeclareAsync(Random r)
        {
            var id = NewIdNumber(r);
            var response = await Unit(r).Clerk.PostAsync("/api/placements", Facts(id, $"测试{++_sequence}", 5000m + r.Next(0, 3000)));
            if (response.IsSuccessStatusCode) lock (_declared) _declared.Add(id);
            return response.StatusCode;
        }

        public async Task<HttpStatusCode?> SubmitAsync(Random r)
        {
            var (clerk, _, _) = Unit(r);
            if (await PickAsync(clerk, r, s => s is PlacementState.Draft or PlacementState.Returned) is not { } p) return null;
            return (await clerk.PostAsync($"/api/placements/{p.GetProperty("id")}/submit", new { version = p.GetProperty("version").GetInt32() })).StatusCode;
        }

        public async Task<HttpStatusCode?> DisputeAsync(Random r)
        {
            var (clerk, _, _) = Unit(r);
            if (await PickAsync(clerk, r, s => s is PlacementState.Draft or PlacementState.Returned) is not { } p) return null;
            var upload = await clerk.UploadAsync($"/api/placements/{p.GetProperty("id")}/evidence", Pdf, "证明.pdf");
            if (!upload.IsSuccessStatusCode) return upload.StatusCode;
            var months = Enumerable.Range(1, 12).Where(_ => r.Next(4) == 0).DefaultIfEmpty(r.Next(1, 13)).Distinct().ToArray();
            return (await clerk.PostAsync($"/api/placements/{p.GetProperty("id")}/dispute",
                new { version = p.GetProperty("version").GetInt32(), claimedMonths = months, reason = "社保补缴，附凭证" })).StatusCode;
        }

        public async Task<HttpStatusCode?> EditAsync(Random r)
        {
            var (clerk, _, _) = Unit(r);
            if (await PickAsync(clerk, r, s => s != PlacementState.Confirmed) is not { } p) return null;
            var detail = await clerk.GetAsync($"/api/placements/{p.GetProperty("id")}");
            var id = detail.GetProperty("idNumberShown").GetString()!;
            if (id.Contains('*', StringComparison.Ordinal)) return null;
            return (await clerk.PutAsync($"/api/placements/{p.GetProperty("id")}", new
            {
                placementId = p.GetProperty("id").GetGuid(), version = detail.GetProperty("version").GetInt32(), idNumber = id,
                name = detail.GetProperty("nameShown").GetString(), certificateType = detail.GetProperty("certificateType").GetString(),
                certificateNumber = detail.GetProperty("certificateNumberShown").GetString(), employmentStart = detail.GetProperty("employmentStart").GetString(),
                employmentEnd = (string?)null, contractType = detail.GetProperty("contractType").GetString(),
                contractStart = detail.GetProperty("contractStart").GetString(), contractEnd = detail.GetProperty("contractEnd").GetString(),
                monthlyWage = 4000m + r.Next(0, 4000), retirementBase50 = false, phone = (string?)null,
            })).StatusCode;
        }

        public async Task<HttpStatusCode?> DeleteAsync(Random r)
        {
            var (clerk, _, _) = Unit(r);
            if (await PickAsync(clerk, r, s => s != PlacementState.Confirmed) is not { } p) return null;
            return (await clerk.DeleteAsync($"/api/placements/{p.GetProperty("id")}?version={p.GetProperty("version").GetInt32()}")).StatusCode;
        }

        public async Task<HttpStatusCode?> DecideAsync(Random r)
        {
            var (_, reviewer, _) = Unit(r);
            var queue = await QueueAsync(reviewer);
            if (queue.Count == 0) return null;
            var item = queue[r.Next(queue.Count)];
            var disputed = item.GetProperty("disputedMonths").EnumerateArray().Select(m => m.GetInt32()).ToList();
            var month = disputed.Count > 0 ? disputed[r.Next(disputed.Count)] : r.Next(1, 13);
            return (await reviewer.PutAsync($"/api/review/placements/{item.GetProperty("placementId")}/months/{month}",
                new { grant = r.Next(2) == 0, comment = "审核意见" })).StatusCode;
        }

        public async Task<HttpStatusCode?> ConfirmAsync(Random r)
        {
            var (_, reviewer, _) = Unit(r);
            var queue = await QueueAsync(reviewer);
            if (queue.Count == 0) return null;
            var item = queue[r.Next(queue.Count)];
            var id = item.GetProperty("placementId");
            foreach (var month in item.GetProperty("disputedMonths").EnumerateArray().Select(m => m.GetInt32()))
            {
                var decided = await reviewer.PutAsync($"/api/review/placements/{id}/months/{month}", new { grant = r.Next(3) > 0, comment = "同意" });
                if (!decided.IsSuccessStatusCode) return decided.StatusCode;
            }
            return (await reviewer.PostAsync($"/api/review/placements/{id}/confirm", new { })).StatusCode;
        }

        public async Task<HttpStatusCode?> BulkConfirmAsync()
        {
            var (_, reviewer, _) = Units[0];
            var ids = (await QueueAsync(reviewer)).Select(i => i.GetProperty("placementId").GetGuid()).ToArray();
            return ids.Length == 0 ? null : (await reviewer.PostAsync("/api/review/bulk-confirm", new { placementIds = ids })).StatusCode;
        }

        public async Task<HttpStatusCode?> ReturnAsync(Random r)
        {
            var (_, reviewer, _) = Unit(r);
            var queue = await QueueAsync(reviewer);
            if (queue.Count == 0) return null;
            var item = queue[r.Next(queue.Count)];
            return (await reviewer.PostAsync($"/api/review/placements/{item.GetProperty("placementId")}/return", new { reason = "请补充材料" })).StatusCode;
        }

        /// <summary>
        /// 年审认证 at the deadline: the clerk submits what is left, the reviewer confirms the unit's queue (deciding disputed months),
        /// then the clerk certifies the year (refused, 422, while AnnualReview's projection has not yet heard of every confirmation).
        /// </summary>
        public async Task<HttpStatusCode?> CertifyYearAsync(Random r)
        {
            var (clerk, reviewer, unitId) = Unit(r);
            foreach (var p in (await clerk.GetAsync($"/api/placements?year={Year}")).EnumerateArray()
                         .Where(p => State(p) is PlacementState.Draft or PlacementState.Returned))
                await clerk.PostAsync($"/api/placements/{p.GetProperty("id")}/submit", new { version = p.GetProperty("version").GetInt32() });
            foreach (var item in (await QueueAsync(reviewer)).Where(i => i.GetProperty("unitId").GetGuid() == unitId))
            {
                var id = item.GetProperty("placementId");
                foreach (var month in item.GetProperty("disputedMonths").EnumerateArray().Select(m => m.GetInt32()))
                    await reviewer.PutAsync($"/api/review/placements/{id}/months/{month}", new { grant = true, comment = "同意" });
                await reviewer.PostAsync($"/api/review/placements/{id}/confirm", new { });
            }
            await Task.Delay(300);   // AnnualReview hears of the confirmations through its inbox
            return (await clerk.PostAsync($"/api/annual/{unitId}/{Year}/certify", new { })).StatusCode;
        }

        /// <summary>年审认证反馈: a certified unit asks to reopen; its reviewer approves or rejects the pending request.</summary>
        public async Task<HttpStatusCode?> ReopenAsync(Random r)
        {
            var (clerk, reviewer, unitId) = Unit(r);
            var asked = await clerk.PostAsync($"/api/annual/{unitId}/{Year}/reopen-requests", new { reason = "需要更正人员信息" });
            var pending = (await reviewer.GetAsync($"/api/review/annual/reopen-requests?year={Year}&pendingOnly=true")).EnumerateArray().ToList();
            if (pending.Count == 0) return asked.StatusCode;
            var request = pending[r.Next(pending.Count)];
            return (await reviewer.PostAsync($"/api/review/annual/reopen-requests/{request.GetProperty("id")}/decision",
                new { approve = r.Next(4) > 0, comment = "审核意见" })).StatusCode;
        }

        /// <summary>Pension paid for some declared persons (the import marks their placements changed), then the batch re-certifies (CLI).</summary>
        public async Task<HttpStatusCode?> LinkageAndBatchAsync(Random r)
        {
            List<string> persons;
            lock (_declared) persons = _declared.OrderBy(_ => r.Next()).Take(3).ToList();
            if (persons.Count == 0) return null;
            var file = Path.Combine(Path.GetTempPath(), $"faults-si-{Guid.NewGuid():N}.csv");
            var months = Enumerable.Range(1, r.Next(1, 13));
            await File.WriteAllTextAsync(file, "id_number,payer_credit_code,month,insurance_type,paid\n" +
                string.Concat(persons.SelectMany(p => months.Select(m => $"{p},{UnitA},{Year}-{m:00},pension,1\n"))));
            var import = await CliRunner.RunAsync(ConnectionString, "import", "social-insurance", file);
            File.Delete(file);
            if (import.ExitCode != 0) return HttpStatusCode.UnprocessableEntity;
            var batch = await CliRunner.RunAsync(ConnectionString, "certify", "--year", $"{Year}");
            return batch.ExitCode is 0 or 3 ? HttpStatusCode.OK : HttpStatusCode.InternalServerError;
        }
    }

    private enum PlacementState { Draft, AwaitingReview, Disputed, Confirmed, Returned }

    private sealed class Stats
    {
        private readonly Dictionary<string, (int Done, int Refused, int Skipped)> _byOperation = [];
        public int Attempted { get; private set; }
        public int Interrupted { get; set; }
        public List<string> ServerErrors { get; } = [];

        public void Record(string name, HttpStatusCode? status)
        {
            Attempted++;
            var (done, refused, skipped) = _byOperation.GetValueOrDefault(name);
            if (status is null) skipped++;
            else if ((int)status < 400) done++;
            else refused++;
            if ((int?)status >= 500) ServerErrors.Add($"{name}: {(int)status!}");
            _byOperation[name] = (done, refused, skipped);
        }

        public string Report() =>
            $"operations {Attempted} (+{Interrupted} interrupted by a kill): " +
            string.Join("; ", _byOperation.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value.Done} done / {o.Value.Refused} refused / {o.Value.Skipped} nothing to do"));
    }

    // ---- what the database says afterwards -----------------------------------------------------------------------------

    private static readonly string[] Schemas = ["units", "placement", "certification", "annual_review", "notices", "levy"];

    private static string SumOverInboxes(string aggregate) =>
        "SELECT coalesce(sum(n), 0)::bigint FROM (" + string.Join(" UNION ALL ", Schemas.Select(s => $"SELECT {aggregate} AS n FROM {s}.inbox")) + ") x";

    private static Task<long> PendingAsync(string connectionString) => ScalarAsync<long>(connectionString,
        "SELECT coalesce(sum(n), 0)::bigint FROM (" + string.Join(" UNION ALL ", Schemas.Select(s =>
            $"SELECT count(*) AS n FROM {s}.outbox WHERE sent_at IS NULL UNION ALL SELECT count(*) FROM {s}.inbox WHERE processed_at IS NULL")) + ") x");

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.ExecuteScalarAsync<T>(sql))!;
    }

    /// <summary>Per case event type: the events published, those with exactly one queued SMS, those with more.</summary>
    private static async Task<List<(string Type, long Events, long WithOne, long WithMore)>> CaseSmsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        var rows = await connection.QueryAsync<(string, long, long, long)>("""
            WITH events AS (
                SELECT id, type FROM placement.outbox WHERE type = ANY(@types)
                UNION ALL SELECT id, type FROM annual_review.outbox WHERE type = ANY(@types)
            ), sms AS (SELECT event_id, count(*) AS n FROM notices.sms_message GROUP BY event_id)
            SELECT e.type, count(*), count(*) FILTER (WHERE s.n = 1), count(*) FILTER (WHERE s.n > 1)
            FROM events e LEFT JOIN sms s ON s.event_id = e.id GROUP BY e.type ORDER BY e.type
            """, new { types = CaseSmsEvents });
        return rows.ToList();
    }

    /// <summary>CertificationResultChanged: at most one SMS each, and exactly one when the placement still exists (a deleted one is not texted).</summary>
    private static async Task<(long Duplicates, long Missing)> ResultChangedSmsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.QuerySingleAsync<(long, long)>("""
            WITH events AS (
                SELECT id, (payload->>'placementId')::uuid AS placement_id FROM certification.outbox
                WHERE type = 'Declaration.Certification.Contracts.CertificationResultChanged'
            ), sms AS (SELECT event_id, count(*) AS n FROM notices.sms_message GROUP BY event_id)
            SELECT count(*) FILTER (WHERE s.n > 1),
                   count(*) FILTER (WHERE s.n IS NULL AND EXISTS (SELECT 1 FROM placement.placement p WHERE p.id = e.placement_id))
            FROM events e LEFT JOIN sms s ON s.event_id = e.id
            """);
    }
}
