using System.Net;
using Dapper;
using Npgsql;

namespace Declaration.EndToEndTests;

/// <summary>
/// Issue 14: the home page and the placement list are served from the host's cache while the unit's stamp
/// (<c>platform.unit_change</c>) is unchanged, and every statement that changes what they show moves the stamp.
/// </summary>
[NonParallelizable]
public sealed class UnitPageCacheTests
{
    private const string CreditCode = "91330106MA2CDE0A1M";   // demo: 明远科技
    private static readonly Guid Everyone = Guid.Empty;

    private static async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(E2E.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    [Test]
    public async Task TheHomePageAndTheList_AreServedFromTheCache_UntilTheUnitsStampMoves_AndEveryWayOfChangingThemMovesIt()
    {
        // Events of earlier tests still in flight would change the unit meanwhile (and rightly move its stamp): deliver them first.
        await Declaration.BuildingBlocks.Messaging.Deliveries.DrainAsync(E2E.Services, CancellationToken.None);
        await using var db = await OpenAsync();
        var unitId = await db.QuerySingleAsync<Guid>("SELECT id FROM units.unit WHERE credit_code = @CreditCode", new { CreditCode });
        var name = await db.QuerySingleAsync<string>("SELECT name FROM units.unit WHERE id = @unitId", new { unitId });
        var (placementId, masked) = await db.QueryFirstAsync<(Guid, string)>(
            "SELECT id, name_masked FROM placement.placement WHERE unit_id = @unitId AND business_year = 2025 ORDER BY id LIMIT 1", new { unitId });
        using var clerk = await HttpSession.SignInAsync("demo");

        async Task<(string Home, string List)> PagesAsync()
        {
            var home = await clerk.Client.GetAsync("/Unit/Home");
            var list = await clerk.Client.GetAsync("/Unit/Placements?year=2025");
            Assert.That((home.StatusCode, list.StatusCode), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK)));
            return (await home.Content.ReadAsStringAsync(), await list.Content.ReadAsStringAsync());
        }

        var before = await PagesAsync();
        Assert.That(before.Home, Does.Contain(name));
        Assert.That(before.List, Does.Contain(masked));

        // Changed behind the stamp's back (this session's triggers off): both pages still show what they cached — the proof they are cached.
        const string hiddenName = "缓存验证科技有限公司";
        const string hiddenMasked = "缓**";
        await using (var tx = await db.BeginTransactionAsync())
        {
            await db.ExecuteAsync("SET LOCAL session_replication_role = replica", transaction: tx);
            await db.ExecuteAsync("UPDATE units.unit SET name = @hiddenName WHERE id = @unitId", new { hiddenName, unitId }, tx);
            await db.ExecuteAsync("UPDATE placement.placement SET name_masked = @hiddenMasked WHERE id = @placementId", new { hiddenMasked, placementId }, tx);
            await tx.CommitAsync();
        }
        var cached = await PagesAsync();
        Assert.That(cached.Home, Does.Contain(name).And.Not.Contain(hiddenName), "the home page is served from the cache while the stamp is unchanged");
        Assert.That(cached.List, Does.Contain(masked).And.Not.Contain(hiddenMasked), "the list too");

        // The stamp moves: both pages are read again.
        await db.ExecuteAsync("SELECT platform.touch_units(ARRAY[@unitId])", new { unitId });
        var moved = await PagesAsync();
        Assert.That(moved.Home, Does.Contain(hiddenName));
        Assert.That(moved.List, Does.Contain(hiddenMasked));

        // Ordinary statements (triggers on) move it themselves.
        await db.ExecuteAsync("UPDATE units.unit SET name = @name WHERE id = @unitId", new { name, unitId });
        Assert.That((await PagesAsync()).Home, Does.Contain(name).And.Not.Contain(hiddenName), "a change of the unit's profile");
        await db.ExecuteAsync("UPDATE placement.placement SET name_masked = @masked WHERE id = @placementId", new { masked, placementId });
        Assert.That((await PagesAsync()).List, Does.Contain(masked).And.Not.Contain(hiddenMasked), "a change of a placement");

        // Through the application: the workforce saved on the home page shows at once (units.unit_workforce).
        var saved = await clerk.PostFormAsync("/Unit/Home?handler=Workforce&year=2025",
            new() { ["Workforce.Headcount"] = "4321.5", ["Workforce.AverageAnnualWage"] = "98765" }, "/Unit/Home?year=2025");
        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(await clerk.Client.GetStringAsync("/Unit/Home?year=2025"), Does.Contain("4321.5"));
    }

    /// <summary>
    /// The home page's latest notices carry the reader's read marks: a notice published is shown at once (everyone's stamp), and one
    /// the reader opens loses its 未读 badge at once (the reader's stamp) — for that reader only.
    /// </summary>
    [Test]
    public async Task TheHomePagesNotices_FollowPublicationAndTheReadersOwnReadMarks()
    {
        using var clerk = await HttpSession.SignInAsync("demo");
        using var reviewer = await HttpSession.SignInAsync("reviewer");
        static string Line(string home, string title)
        {
            var at = home.IndexOf(title, StringComparison.Ordinal);
            Assert.That(at, Is.GreaterThan(0), $"{title} on the home page");
            var start = home.LastIndexOf("<li>", at, StringComparison.Ordinal);
            return home[start..home.IndexOf("</li>", at, StringComparison.Ordinal)];
        }
        _ = await clerk.Client.GetStringAsync("/Unit/Home");   // cached before the notice exists
        var title = "缓存测试通知" + Guid.NewGuid().ToString("N")[..6];
        var published = await reviewer.Client.PostAsync("/api/review/notices", System.Net.Http.Json.JsonContent.Create(new
        {
            title, bodyMarkdown = "请各单位按时申报。", targetRegionPrefix = "3301", publishAt = (DateTimeOffset?)null, expiresAt = (DateTimeOffset?)null, pinned = true,
        }));
        Assert.That(published.StatusCode, Is.EqualTo(HttpStatusCode.Created), await published.Content.ReadAsStringAsync());
        var id = System.Text.Json.JsonDocument.Parse(await published.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        Assert.That(Line(await clerk.Client.GetStringAsync("/Unit/Home"), title), Does.Contain("未读"), "published: shown at once, unread");

        var opened = await clerk.Client.GetAsync($"/Notices/Detail?id={id}");
        Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Line(await clerk.Client.GetStringAsync("/Unit/Home"), title), Does.Not.Contain("未读"), "read: the badge goes at once");

        using var other = await HttpSession.SignInAsync("demo3");
        Assert.That(Line(await other.Client.GetStringAsync("/Unit/Home"), title), Does.Contain("未读"), "another unit's reader has not read it");
        await reviewer.Client.DeleteAsync($"/api/review/notices/{id}");

        // A notice that expires leaves the home page at its expiry, with no write to move a stamp: the entry is kept no longer.
        var brief = "即将过期通知" + Guid.NewGuid().ToString("N")[..6];
        var expires = DateTimeOffset.UtcNow.AddSeconds(8);
        var expiring = await reviewer.Client.PostAsync("/api/review/notices", System.Net.Http.Json.JsonContent.Create(new
        {
            title = brief, bodyMarkdown = "短期通知。", targetRegionPrefix = "3301", publishAt = (DateTimeOffset?)null,
            expiresAt = (DateTimeOffset?)expires, pinned = true,
        }));
        Assert.That(expiring.StatusCode, Is.EqualTo(HttpStatusCode.Created), await expiring.Content.ReadAsStringAsync());
        Assert.That(await clerk.Client.GetStringAsync("/Unit/Home"), Does.Contain(brief));
        await Task.Delay(expires - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1));
        Assert.That(await clerk.Client.GetStringAsync("/Unit/Home"), Does.Not.Contain(brief), "gone at its expiry");
    }

    /// <summary>
    /// Two transactions changing one unit never wait for each other on its stamp (rows are only added), and compaction folds each
    /// unit's rows into one of the same sum — the stamp a host holds stays valid.
    /// </summary>
    [Test]
    public async Task WritersOfOneUnit_DoNotWaitOnItsStamp_AndCompactionKeepsEveryStamp()
    {
        var unit = Guid.NewGuid();
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        await using var tx1 = await first.BeginTransactionAsync();
        await first.ExecuteAsync("SELECT platform.touch_units(ARRAY[@unit])", new { unit }, tx1);
        await using (var tx2 = await second.BeginTransactionAsync())
        {
            await second.ExecuteAsync("SET LOCAL lock_timeout = '1s'", transaction: tx2);
            await second.ExecuteAsync("SELECT platform.touch_units(ARRAY[@unit])", new { unit }, tx2);   // would time out if it waited on tx1
            await tx2.CommitAsync();
        }
        await tx1.CommitAsync();

        await using var db = await OpenAsync();
        for (var i = 0; i < 3; i++) await db.ExecuteAsync("SELECT platform.touch_units(ARRAY[@unit, @Everyone])", new { unit, Everyone });
        var before = (await db.QueryAsync<(Guid Unit, decimal Sum, long Rows)>(
            "SELECT unit_id, sum(n), count(*) FROM platform.unit_change GROUP BY unit_id")).ToDictionary(r => r.Unit);
        var removed = await db.ExecuteScalarAsync<long>("SELECT platform.compact_unit_changes()");
        var after = (await db.QueryAsync<(Guid Unit, decimal Sum, long Rows)>(
            "SELECT unit_id, sum(n), count(*) FROM platform.unit_change GROUP BY unit_id")).ToDictionary(r => r.Unit);
        // (The hourly compaction job may have run in between: sums are what must hold, and one row a unit after.)
        Assert.Multiple(() =>
        {
            Assert.That(before[unit].Rows, Is.GreaterThanOrEqualTo(1));
            Assert.That(after.Keys, Is.EquivalentTo(before.Keys));
            Assert.That(after.Values.Select(r => r.Rows).Distinct(), Is.EqualTo(new[] { 1L }), "one row a unit");
            foreach (var (id, r) in before) Assert.That(after[id].Sum, Is.EqualTo(r.Sum), $"the stamp of {id} is unchanged");
            Assert.That(removed, Is.LessThanOrEqualTo(before.Values.Sum(r => r.Rows) - before.Count));
        });
    }

    /// <summary>
    /// Every table of the modules whose data a unit's pages show is either stamped (its statements move the stamps of the units they
    /// touch, or everyone's) or named here as not shown on those pages: a new table must be placed on one side or the other.
    /// Each stamped table with a row is then changed (a no-op update of one row, rolled back) and must move its unit's stamp.
    /// </summary>
    [Test]
    public async Task EveryTableTheUnitsPagesShow_MovesTheStampOfTheUnitsItsStatementsTouch()
    {
        string[] stamped =
        [
            "annual_review.certificate", "annual_review.declaration_window", "annual_review.placement_state", "annual_review.reopen_request",
            "annual_review.unit_year", "levy.parameter", "placement.month_decision", "placement.placement", "placement.unit", "units.unit",
            "units.unit_workforce",
        ];
        string[] notShown =
        [
            // messaging and migrations
            "annual_review.inbox", "annual_review.outbox", "annual_review.schema_journal", "levy.inbox", "levy.outbox", "levy.schema_journal",
            "placement.inbox", "placement.outbox", "placement.schema_journal", "units.inbox", "units.outbox", "units.schema_journal",
            // accounts and sign-in, related units and their evidence, registry requests: other pages
            "units.account", "units.api_key", "units.sign_in_failure", "units.sso_binding", "units.related_unit", "units.related_unit_evidence",
            "units.registry_change_request",
            // the review queue's totals and stamps, dispute evidence (the detail page), the expiry alerts already sent
            "placement.queue_count", "placement.queue_stamp", "placement.dispute_evidence", "placement.certificate_expiry_alert",
        ];
        await using var db = await OpenAsync();
        var tables = (await db.QueryAsync<(string Table, bool Stamped)>("""
            SELECT n.nspname || '.' || c.relname,
                   EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = c.oid
                           AND p.proname IN ('unit_rows_changed', 'every_unit_changed', 'month_decisions_changed'))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('units', 'placement', 'annual_review', 'levy')
            """)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(tables.Where(t => t.Stamped).Select(t => t.Table), Is.EquivalentTo(stamped), "the stamped tables");
            Assert.That(tables.Where(t => !t.Stamped).Select(t => t.Table), Is.EquivalentTo(notShown), "every other table is named as not shown");
        });

        var changed = 0;
        foreach (var table in stamped)
        {
            var everyone = table is "annual_review.declaration_window" or "levy.parameter";
            var unitColumn = table is "units.unit" or "placement.unit" ? "id" : "unit_id";
            var unitOf = everyone ? $"'{Everyone}'::uuid"
                : table == "placement.month_decision" ? "(SELECT p.unit_id FROM placement.placement p WHERE p.id = x.placement_id)" : $"x.{unitColumn}";
            await using var tx = await db.BeginTransactionAsync();
            var row = await db.QuerySingleOrDefaultAsync<(string Ctid, Guid Unit)?>($"SELECT x.ctid::text, {unitOf} FROM {table} x LIMIT 1", transaction: tx);
            if (row is null) continue;   // no row in the demo data; the catalogue check above still holds
            var stamp = await db.ExecuteScalarAsync<decimal?>("SELECT sum(n) FROM platform.unit_change WHERE unit_id = @u", new { u = row.Value.Unit }, tx);
            var column = table == "placement.month_decision" ? "placement_id" : everyone ? "business_year" : unitColumn;
            await db.ExecuteAsync($"UPDATE {table} SET {column} = {column} WHERE ctid = @ctid::tid", new { ctid = row.Value.Ctid }, tx);
            var after = await db.ExecuteScalarAsync<decimal?>("SELECT sum(n) FROM platform.unit_change WHERE unit_id = @u", new { u = row.Value.Unit }, tx);
            Assert.That(after, Is.Not.Null.And.GreaterThan(stamp ?? 0), $"a statement on {table} moves the stamp of its unit");
            await tx.RollbackAsync();
            changed++;
        }
        Assert.That(changed, Is.GreaterThanOrEqualTo(7), "most stamped tables have a row in the demo data");

        // A statement that changes no row moves no stamp (the notices' announcer polls with one every few seconds).
        var everyonesStamp = await db.ExecuteScalarAsync<decimal>("SELECT sum(n) FROM platform.unit_change WHERE unit_id = @Everyone", new { Everyone });
        await db.ExecuteAsync("UPDATE notices.notice SET announced_at = now() WHERE false");
        await db.ExecuteAsync("UPDATE levy.parameter SET business_year = business_year WHERE false");
        Assert.That(await db.ExecuteScalarAsync<decimal>("SELECT sum(n) FROM platform.unit_change WHERE unit_id = @Everyone", new { Everyone }),
            Is.EqualTo(everyonesStamp), "no row changed: every unit's pages stay cached");

        // Certificates: the end of cover they give a unit's placements (the home page's expiry alert) moves those units' stamps.
        await using (var tx = await db.BeginTransactionAsync())
        {
            var holder = await db.QueryFirstAsync<(Guid Unit, byte[] IdHash)>(
                "SELECT p.unit_id, p.id_hash FROM certification.placement p JOIN certification.certificate c ON c.id_hash = p.id_hash ORDER BY p.id LIMIT 1",
                transaction: tx);
            var stamp = await db.ExecuteScalarAsync<decimal?>("SELECT sum(n) FROM platform.unit_change WHERE unit_id = @u", new { u = holder.Unit }, tx);
            await db.ExecuteAsync("UPDATE certification.certificate SET valid_until = DATE '2026-12-24' WHERE id_hash = @h", new { h = holder.IdHash }, tx);
            var after = await db.ExecuteScalarAsync<decimal?>("SELECT sum(n) FROM platform.unit_change WHERE unit_id = @u", new { u = holder.Unit }, tx);
            Assert.That(after, Is.Not.Null.And.GreaterThan(stamp ?? 0), "a certificate's new end of cover moves its placements' units' stamps");
            await tx.RollbackAsync();
        }
    }
}
