using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Contracts;
using Declaration.Certification.Domain;
using Declaration.Notices.Domain;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Declaration.Benchmarks;

/// <summary>Who the load benchmark signs in as, and where it declares (kept in <c>bench.load_user</c> for <c>--reuse</c>).</summary>
internal sealed record LoadUser(string UserName, string Kind, Guid? UnitId, string? CreditCode, int Ordinal);

/// <summary>
/// Every module's data at province scale, consistent across modules (what the pages read): the units, their related units and
/// accounts through Units' real imports (the projections of Placement, Certification and Notices fed by the delivered events);
/// placements with their personal data encrypted by the real <see cref="IPersonalDataProtector"/> (Placement) beside the engine's
/// facts (Certification), by COPY; the linkage files through the real import; the automatic results by the real batch; the states
/// of a deadline day (drafts, waiting for review, disputed with evidence, returned, confirmed and locked) and AnnualReview's
/// projection of them; a share of the unit-years certified through the real command (certificate PDF, events, texts); the
/// workforce of most units; notices over the province's regions. Large units (200 placements each) are the clerks who load the
/// pages; reserved units without placements (but with insured persons in the linkage data) are where the declaration step declares.
/// </summary>
internal sealed class ProvinceData(IServiceProvider services, string connectionString, Generator g, string dir)
{
    public const int Year = 2025;
    public const int LoadEmployers = 20;
    public const string Password = "Bench@2026load";
    private static readonly DateTimeOffset WindowOpened = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.FromHours(8)).ToUniversalTime();

    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"];
    private static readonly string[] Given = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "平", "建国", "晓红", "海", "燕"];
    private static readonly string[] Trades = ["科技", "制造", "贸易", "物流", "食品", "纺织", "机械", "电子", "医药", "建设", "印刷", "服饰"];

    public async Task GenerateAsync()
    {
        var total = Stopwatch.StartNew();
        await using (var c = new NpgsqlConnection(connectionString))
            await c.ExecuteAsync("ALTER DATABASE " + new NpgsqlConnectionStringBuilder(connectionString).Database + " SET synchronous_commit = off");
        await StepAsync("units, related units and accounts (Units' imports, events delivered to the projections)", LoadUnitsAsync);
        var files = g.WriteFiles(dir);
        await StepAsync("engine facts of 1,000,000 placements (Certification, COPY)", () => g.LoadUnitsAndPlacementsAsync(connectionString,
            services.GetRequiredService<IPersonalDataProtector>(), projections: false));
        foreach (var (kind, path) in files)
            await StepAsync($"import {kind} (the real import)", async () =>
            {
                var result = await SendAsync(new ImportLinkageData(kind, File.OpenRead(path)));
                Log($"  {result.Rows:N0} rows");
            });
        await VacuumAsync();
        await StepAsync("certify the year (the real batch)", async () =>
        {
            var s = await SendAsync(new RunCertificationBatch(Year, null, OnlyChanged: false));
            Log($"  {s.Placements:N0} placements, {s.QualifyingMonths:N0} qualifying months, {s.SkippedUnits.Count} units skipped");
        });
        var states = AssignStates();
        await StepAsync("placements with encrypted personal data, states and result projection (Placement, COPY)", () => LoadPlacementsAsync(states));
        await StepAsync("lock the confirmed results (Certification), AnnualReview's projection and unit-years", () => LoadReviewStateAsync());
        await StepAsync("dispute evidence files (platform files, COPY)", LoadEvidenceAsync);
        await StepAsync("workforce and notices", async () =>
        {
            await LoadWorkforceAsync();
            await LoadNoticesAsync();
        });
        await VacuumAsync();
        await StepAsync("certify 10 % of the unit-years (the real command: certificate PDF, events, texts)", () => CertifyUnitYearsAsync(states));
        await StepAsync("load users", CreateLoadUsersAsync);
        await VacuumAsync();
        await DurableCommitsAsync(connectionString);
        Log($"province data generated in {total.Elapsed.TotalMinutes:0.0} min");
    }

    /// <summary>
    /// The generation commits without waiting for the WAL flush (hours of loading); what is measured afterwards commits as in
    /// production. (Clusters generated before this reset kept the setting: <see cref="LoadBenchmark"/> calls this on every run.)
    /// </summary>
    public static async Task DurableCommitsAsync(string connectionString)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.ExecuteAsync("ALTER DATABASE " + new NpgsqlConnectionStringBuilder(connectionString).Database + " RESET synchronous_commit");
    }

    // ---- Units -------------------------------------------------------------------------------------------------------------

    private async Task LoadUnitsAsync()
    {
        var units = new StringBuilder("credit_code,name,unit_type,region_code,federation_code,tax_authority_code,legal_representative,legal_phone,contact_name,contact_mobile,address\n");
        var rnd = new Random(31);
        for (var i = 0; i < g.Units.Count; i++)
        {
            var u = g.Units[i];
            var type = i < g.Units.Count / 50 ? "enterprise" : (i % 10) switch { 0 => "institution", 1 => "government", 2 => "social_organization", _ => "enterprise" };
            units.Append(CultureInfo.InvariantCulture, $"{u.CreditCode},{UnitName(i)},{type},{u.Region},{u.Region},1{u.Region}0000,{PersonName(rnd)},0571-8{rnd.Next(1000000, 9999999)},")
                .Append(CultureInfo.InvariantCulture, $"{PersonName(rnd)},13{rnd.Next(100000000, 999999999)},{Identifiers.RegionName(u.Region[..4] + "00")}{Identifiers.RegionName(u.Region)}某路{i % 500 + 1}号\n");
        }
        Log($"  units: {(await SendAsync(new ImportUnits(Utf8(units)))).Rows:N0}");
        var related = new StringBuilder("credit_code,related_credit_code,related_name,relation_type,valid_from,valid_to\n");
        for (var i = 0; i < g.Units.Count; i++)
        {
            var u = g.Units[i];
            if (u.Agency is { } a) related.Append(CultureInfo.InvariantCulture, $"{u.CreditCode},{g.Units[a].CreditCode},{UnitName(a)},labor_dispatch,2024-01-01,\n");
            if (u.PayrollAgent)
            {
                var agent = (i + 1) % g.Units.Count;
                related.Append(CultureInfo.InvariantCulture, $"{u.CreditCode},{g.Units[agent].CreditCode},{UnitName(agent)},payroll_agent,2025-07-01,2025-12-31\n");
            }
        }
        Log($"  related units: {(await SendAsync(new ImportRelatedUnits(Utf8(related)))).Rows:N0}");
        // Every unit has an employer account (imported: no password until reset or SSO); each city federation has reviewers.
        var accounts = new StringBuilder("user_name,display_name,role,credit_code,jurisdiction\n");
        foreach (var u in g.Units) accounts.Append(CultureInfo.InvariantCulture, $"u{u.CreditCode.ToLowerInvariant()},{u.CreditCode[^6..]}经办人,employer,{u.CreditCode},\n");
        foreach (var city in g.Units.Select(u => u.Region[..4]).Distinct())
            for (var k = 1; k <= 3; k++) accounts.Append(CultureInfo.InvariantCulture, $"reviewer-{city}-{k},{Identifiers.RegionName(city + "00")}残联审核员{k},reviewer,,{city}\n");
        Log($"  accounts: {(await SendAsync(new ImportAccounts(Utf8(accounts)))).Rows:N0}");
        var watch = Stopwatch.StartNew();
        await Deliveries.DrainAsync(services, CancellationToken.None);
        Log($"  events delivered to the projections in {watch.Elapsed.TotalSeconds:0} s");
        // The units' ids are Units' own (the import made them).
        await using var c = new NpgsqlConnection(connectionString);
        var ids = (await c.QueryAsync<(string Code, Guid Id)>("SELECT credit_code, id FROM units.unit")).ToDictionary(x => x.Code, x => x.Id);
        for (var i = 0; i < g.Units.Count; i++) g.Units[i] = g.Units[i] with { Id = ids[g.Units[i].CreditCode] };
    }

    private string UnitName(int i)
    {
        var u = g.Units[i];
        var city = Identifiers.RegionName(u.Region[..4] + "00").TrimEnd('市');
        return i < g.Units.Count / 50 ? $"{city}{u.CreditCode[^7..^1]}人力资源服务有限公司" : $"{city}{u.CreditCode[^7..^1]}{Trades[i % Trades.Length]}有限公司";
    }

    private static string PersonName(Random rnd) => Surnames[rnd.Next(Surnames.Length)] + Given[rnd.Next(Given.Length)];

    // ---- States of a deadline day --------------------------------------------------------------------------------------------

    /// <summary>Per placement (index into g.Placements): its state; whole unit-years certified for 10 % of the regular units.</summary>
    private PlacementState[] AssignStates()
    {
        var rnd = new Random(47);
        var certified = new bool[g.Units.Count];
        for (var i = 0; i < g.Units.Count; i++)
            certified[i] = i >= g.LargeFrom + LoadEmployers && i < g.ReserveFrom && rnd.NextDouble() < 0.10;
        var states = new PlacementState[g.Placements.Count];
        for (var k = 0; k < states.Length; k++)
        {
            var r = rnd.NextDouble();
            states[k] = certified[g.Placements[k].Unit] ? PlacementState.Confirmed
                : r < 0.10 ? PlacementState.Draft
                : r < 0.38 ? PlacementState.AwaitingReview
                : r < 0.41 ? PlacementState.Disputed
                : r < 0.43 ? PlacementState.Returned
                : PlacementState.Confirmed;
        }
        CertifiedUnits = Enumerable.Range(0, g.Units.Count).Where(i => certified[i]).ToList();
        return states;
    }

    private List<int> CertifiedUnits { get; set; } = [];

    private static int VersionOf(PlacementState s) => s switch
    {
        PlacementState.Draft => 1,
        PlacementState.AwaitingReview or PlacementState.Disputed => 2,
        _ => 3,
    };

    // ---- Placement ---------------------------------------------------------------------------------------------------------------

    private sealed record Result(int Qualifying, int PersonMonths, bool Flags, bool Clean, long Version);

    private async Task LoadPlacementsAsync(PlacementState[] states)
    {
        var protector = services.GetRequiredService<IPersonalDataProtector>();
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        // The engine's results, by the ids Certification's facts were loaded with.
        var results = new Dictionary<Guid, Result>(g.Placements.Count);
        await using (var cmd = new NpgsqlCommand("""
            SELECT placement_id, bit_count(qualifies::bit(12))::int, (bit_count(qualifies::bit(12)) + bit_count((qualifies & severe)::bit(12)))::int,
                   via_related_unit <> 0, qualifies = 4095 AND via_related_unit = 0, version
            FROM certification.placement_months
            """, c) { CommandTimeout = 0 })
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                results[reader.GetGuid(0)] = new Result(reader.GetInt32(1), reader.GetInt32(2), reader.GetBoolean(3), reader.GetBoolean(4), reader.GetInt64(5));
        Log($"  {results.Count:N0} results read");

        var rnd = new Random(53);
        var names = new Random(59);
        await using var w = await c.BeginBinaryImportAsync("""
            COPY placement.placement (id, unit_id, credit_code, business_year, id_number_enc, id_number_index, id_number_masked, name_enc, name_masked,
                certificate_type, certificate_number_enc, category, level, employment_start, employment_end, contract_type, contract_start, contract_end,
                monthly_wage, retirement_base_50, phone, state, disputed_months, dispute_reason, return_reason, facts_hash, version, created_at, updated_at,
                submitted_at, confirmed_at, confirmed_by, confirmed_person_months, confirmed_qualifying_months, result_version, qualifying_months,
                person_months, has_flags, all_clean) FROM STDIN (FORMAT BINARY)
            """);
        for (var k = 0; k < g.Placements.Count; k++)
        {
            var p = g.Placements[k];
            var unit = g.Units[p.Unit];
            var idNumber = g.Persons[p.Person];
            var index = protector.BlindIndex(idNumber);
            var id = g.PlacementIds[k];
            var result = results[id];
            var (certType, certNumber) = g.DeclaredCertificate(p.Person);
            var name = PersonName(names);
            var fields = new PlacementFields(Year, idNumber, name, certType, certNumber, p.EmploymentStart, p.EmploymentEnd, p.ContractType,
                Generator.ContractStart, p.ContractEnd, p.Wage, p.Base50 && !Identifiers.IsMale(idNumber), k % 3 == 0 ? "13" + (600000000 + k) : null);
            var (category, level) = fields.CategoryAndLevel;
            var state = states[k];
            var created = WindowOpened.AddMinutes(rnd.Next(0, 200 * 24 * 60));
            var submitted = state == PlacementState.Draft ? (DateTimeOffset?)null : created.AddMinutes(rnd.Next(5, 30 * 24 * 60));
            var confirmed = state is PlacementState.Confirmed or PlacementState.Returned ? submitted!.Value.AddMinutes(rnd.Next(60, 30 * 24 * 60)) : (DateTimeOffset?)null;
            await w.StartRowAsync();
            await w.WriteAsync(id, NpgsqlDbType.Uuid);
            await w.WriteAsync(unit.Id, NpgsqlDbType.Uuid);
            await w.WriteAsync(unit.CreditCode, NpgsqlDbType.Text);
            await w.WriteAsync(Year, NpgsqlDbType.Integer);
            await w.WriteAsync(protector.Encrypt(idNumber), NpgsqlDbType.Bytea);
            await w.WriteAsync(index, NpgsqlDbType.Bytea);
            await w.WriteAsync(Masking.IdNumber(idNumber), NpgsqlDbType.Text);
            await w.WriteAsync(protector.Encrypt(name), NpgsqlDbType.Bytea);
            await w.WriteAsync(Masking.Name(name), NpgsqlDbType.Text);
            await w.WriteAsync(certType, NpgsqlDbType.Text);
            await w.WriteAsync(protector.Encrypt(fields.NormalizedCertificateNumber), NpgsqlDbType.Bytea);
            await WriteNullableAsync(w, category);
            await WriteNullableAsync(w, level);
            await w.WriteAsync(p.EmploymentStart, NpgsqlDbType.Date);
            if (p.EmploymentEnd is { } end) await w.WriteAsync(end, NpgsqlDbType.Date); else await w.WriteNullAsync();
            await w.WriteAsync(p.ContractType, NpgsqlDbType.Text);
            await w.WriteAsync(Generator.ContractStart, NpgsqlDbType.Date);
            if (p.ContractEnd is { } ce) await w.WriteAsync(ce, NpgsqlDbType.Date); else await w.WriteNullAsync();
            await w.WriteAsync((decimal)p.Wage, NpgsqlDbType.Numeric);
            await w.WriteAsync(fields.RetirementBase50, NpgsqlDbType.Boolean);
            if (fields.CleanPhone is { } phone) await w.WriteAsync(phone, NpgsqlDbType.Text); else await w.WriteNullAsync();
            await w.WriteAsync(state.ToString(), NpgsqlDbType.Text);
            await w.WriteAsync(state == PlacementState.Disputed ? new[] { 1 + k % 12 } : [], NpgsqlDbType.Array | NpgsqlDbType.Integer);
            if (state == PlacementState.Disputed) await w.WriteAsync("该月已由本单位缴纳社会保险，附缴费凭证", NpgsqlDbType.Text); else await w.WriteNullAsync();
            if (state == PlacementState.Returned) await w.WriteAsync("请补充劳动合同后重新提交", NpgsqlDbType.Text); else await w.WriteNullAsync();
            await w.WriteAsync(protector.BlindIndex(fields.Canonical), NpgsqlDbType.Bytea);
            await w.WriteAsync(VersionOf(state), NpgsqlDbType.Integer);
            await w.WriteAsync(created, NpgsqlDbType.TimestampTz);
            await w.WriteAsync(confirmed ?? submitted ?? created, NpgsqlDbType.TimestampTz);
            if (submitted is { } s) await w.WriteAsync(s, NpgsqlDbType.TimestampTz); else await w.WriteNullAsync();
            if (state == PlacementState.Confirmed)
            {
                await w.WriteAsync(confirmed!.Value, NpgsqlDbType.TimestampTz);
                await w.WriteAsync($"reviewer-{unit.Region[..4]}-1", NpgsqlDbType.Text);
                await w.WriteAsync(result.PersonMonths, NpgsqlDbType.Integer);
                await w.WriteAsync(result.Qualifying, NpgsqlDbType.Integer);
            }
            else
                for (var n = 0; n < 4; n++) await w.WriteNullAsync();
            await w.WriteAsync(result.Version, NpgsqlDbType.Bigint);
            await w.WriteAsync(result.Qualifying, NpgsqlDbType.Integer);
            await w.WriteAsync(result.PersonMonths, NpgsqlDbType.Integer);
            await w.WriteAsync(result.Flags, NpgsqlDbType.Boolean);
            await w.WriteAsync(result.Clean, NpgsqlDbType.Boolean);
        }
        await w.CompleteAsync();
        ConfirmedIds = [.. Enumerable.Range(0, g.Placements.Count).Where(k => states[k] == PlacementState.Confirmed).Select(k => g.PlacementIds[k])];
    }

    private Guid[] ConfirmedIds { get; set; } = [];

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter w, int? value)
    {
        if (value is { } v) await w.WriteAsync(v, NpgsqlDbType.Integer); else await w.WriteNullAsync();
    }

    // ---- Certification's lock, AnnualReview's projection ------------------------------------------------------------------------

    private async Task LoadReviewStateAsync()
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        // Confirming locks the automatic result (LockCertificationResults) in the same transaction.
        await c.ExecuteAsync("UPDATE certification.placement SET locked = true WHERE id = ANY(@ids)", new { ids = ConfirmedIds }, commandTimeout: 0);
        await c.ExecuteAsync("DELETE FROM certification.placement_dirty d USING certification.placement p WHERE p.id = d.placement_id AND p.locked", commandTimeout: 0);
        // AnnualReview's projection of every placement's state (as the delivered events leave it), and the unit-years it derives.
        await c.ExecuteAsync("""
            INSERT INTO annual_review.placement_state (placement_id, unit_id, business_year, state, person_months, event_at, updated_at, version)
            SELECT id, unit_id, business_year, state, CASE WHEN state = 'Confirmed' THEN confirmed_person_months END, updated_at, updated_at, version
            FROM placement.placement;
            INSERT INTO annual_review.unit_year (unit_id, business_year, state, updated_at, active_placements, confirmed_placements)
            SELECT unit_id, business_year, CASE WHEN bool_and(state = 'Confirmed') THEN 'ReadyToCertify' ELSE 'InProgress' END, max(updated_at),
                   count(*) FILTER (WHERE state <> 'Withdrawn'), count(*) FILTER (WHERE state = 'Confirmed')
            FROM annual_review.placement_state GROUP BY unit_id, business_year;
            """, commandTimeout: 0);
    }

    /// <summary>Each disputed placement has its evidence (a small PNG) in the file store, as AddDisputeEvidence leaves it.</summary>
    private async Task LoadEvidenceAsync()
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        var disputed = (await c.QueryAsync<(Guid Id, DateTimeOffset At)>("SELECT id, submitted_at FROM placement.placement WHERE state = 'Disputed'")).ToList();
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
        var sha = Convert.ToHexStringLower(SHA256.HashData(png));
        var files = disputed.Select(d => (File: Guid.NewGuid(), d.Id, d.At)).ToList();
        await using (var w = await c.BeginBinaryImportAsync("COPY platform.stored_file (id, file_name, content_type, size_bytes, sha256, stored_at, store) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var f in files)
            {
                await w.StartRowAsync();
                await w.WriteAsync(f.File, NpgsqlDbType.Uuid);
                await w.WriteAsync("缴费凭证.png", NpgsqlDbType.Text);
                await w.WriteAsync("image/png", NpgsqlDbType.Text);
                await w.WriteAsync((long)png.Length, NpgsqlDbType.Bigint);
                await w.WriteAsync(sha, NpgsqlDbType.Text);
                await w.WriteAsync(f.At.AddMinutes(-1), NpgsqlDbType.TimestampTz);
                await w.WriteAsync("Database", NpgsqlDbType.Text);
            }
            await w.CompleteAsync();
        }
        await using (var w = await c.BeginBinaryImportAsync("COPY platform.stored_file_chunk (file_id, seq, data) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var f in files)
            {
                await w.StartRowAsync();
                await w.WriteAsync(f.File, NpgsqlDbType.Uuid);
                await w.WriteAsync(0, NpgsqlDbType.Integer);
                await w.WriteAsync(png, NpgsqlDbType.Bytea);
            }
            await w.CompleteAsync();
        }
        await using (var w = await c.BeginBinaryImportAsync("COPY placement.dispute_evidence (file_id, placement_id, file_name, content_type, size_bytes, uploaded_at, uploaded_by) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var f in files)
            {
                await w.StartRowAsync();
                await w.WriteAsync(f.File, NpgsqlDbType.Uuid);
                await w.WriteAsync(f.Id, NpgsqlDbType.Uuid);
                await w.WriteAsync("缴费凭证.png", NpgsqlDbType.Text);
                await w.WriteAsync("image/png", NpgsqlDbType.Text);
                await w.WriteAsync((long)png.Length, NpgsqlDbType.Bigint);
                await w.WriteAsync(f.At.AddMinutes(-1), NpgsqlDbType.TimestampTz);
                await w.WriteAsync("employer", NpgsqlDbType.Text);
            }
            await w.CompleteAsync();
        }
        Log($"  {files.Count:N0} evidence files");
    }

    // ---- Units' workforce, Notices -----------------------------------------------------------------------------------------------

    private async Task LoadWorkforceAsync()
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        var rnd = new Random(61);
        var counts = g.Placements.GroupBy(p => p.Unit).ToDictionary(x => x.Key, x => x.Count());
        await using var w = await c.BeginBinaryImportAsync("COPY units.unit_workforce (unit_id, business_year, headcount, average_annual_wage, updated_at, updated_by) FROM STDIN (FORMAT BINARY)");
        for (var i = 0; i < g.Units.Count; i++)
        {
            if (rnd.NextDouble() >= 0.8 && !g.IsLarge(i)) continue;
            var placed = counts.GetValueOrDefault(i);
            await w.StartRowAsync();
            await w.WriteAsync(g.Units[i].Id, NpgsqlDbType.Uuid);
            await w.WriteAsync(Year, NpgsqlDbType.Integer);
            await w.WriteAsync((decimal)Math.Max(5, placed * 40 + rnd.Next(0, 400)), NpgsqlDbType.Numeric);
            await w.WriteAsync((decimal)(60000 + rnd.Next(0, 90000)), NpgsqlDbType.Numeric);
            await w.WriteAsync(WindowOpened.AddDays(rnd.Next(0, 60)), NpgsqlDbType.TimestampTz);
            await w.WriteAsync("employer", NpgsqlDbType.Text);
        }
        await w.CompleteAsync();
    }

    private static readonly string[] NoticeTopics =
    [
        "按比例安排残疾人就业年审工作", "残疾人职业技能培训报名", "残疾人就业保障金征收政策解读", "用人单位申报系统升级维护", "超比例安排残疾人就业奖励申报",
        "残疾人专场招聘会", "辅助性就业机构评估", "社会保险补贴申领", "残疾人证换发工作", "盲人按摩机构扶持资金申报", "无障碍环境建设", "就业援助月活动",
    ];

    /// <summary>Notices over five years at the province, each city and each district (already announced: their texts went out then).</summary>
    private async Task LoadNoticesAsync(int count = 20_000)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        var prefixes = new List<string> { "33" };
        prefixes.AddRange(g.Units.Select(u => u.Region[..4]).Distinct());
        prefixes.AddRange(g.Units.Select(u => u.Region).Distinct());
        var rnd = new Random(67);
        var start = new DateTimeOffset(2021, 12, 1, 1, 0, 0, TimeSpan.Zero);
        await using var w = await c.BeginBinaryImportAsync("""
            COPY notices.notice (id, title, body_markdown, body_html, search_text, search_bigrams, target_region_prefix, publish_at, expires_at, pinned,
                announced_at, author_id, author_name, version, created_at, updated_at) FROM STDIN (FORMAT BINARY)
            """);
        for (var i = 0; i < count; i++)
        {
            var prefix = prefixes[i % 7 == 0 ? 0 : rnd.Next(prefixes.Count)];
            var topic = NoticeTopics[rnd.Next(NoticeTopics.Length)];
            var place = prefix == "33" ? "浙江省" : Identifiers.RegionName(prefix.PadRight(6, '0'));
            var published = start.AddMinutes(rnd.Next(0, 5 * 365 * 24 * 60));
            var title = $"关于做好{published.Year}年度{place}{topic}的通知（第{i % 97 + 1}号）";
            var body = $"""
                各用人单位：

                根据《残疾人就业条例》和省残联有关要求，现就{published.Year}年度{topic}有关事项通知如下：

                1. **办理时间**：{published:yyyy年M月d日}起至{published.AddDays(30 + rnd.Next(60)):yyyy年M月d日}止。
                2. **办理方式**：登录用人单位申报系统，按页面提示如实填写{(i % 3 == 0 ? "安置残疾人就业情况" : "单位基本信息及在职职工人数")}。
                3. **注意事项**：{(i % 5 == 0 ? "逾期未申报的单位将按规定缴纳残疾人就业保障金" : "如有疑问请与所在地残联联系")}。

                联系电话：0571-8{rnd.Next(1000000, 9999999)}
                """;
            var html = NoticeText.ToHtml(body);
            var search = NoticeText.SearchText(title, body);
            await w.StartRowAsync();
            await w.WriteAsync(Guid.CreateVersion7(published), NpgsqlDbType.Uuid);
            await w.WriteAsync(title, NpgsqlDbType.Text);
            await w.WriteAsync(body, NpgsqlDbType.Text);
            await w.WriteAsync(html, NpgsqlDbType.Text);
            await w.WriteAsync(search, NpgsqlDbType.Text);
            await w.WriteAsync(NoticeText.Bigrams(search), NpgsqlDbType.Array | NpgsqlDbType.Text);
            await w.WriteAsync(prefix, NpgsqlDbType.Text);
            await w.WriteAsync(published, NpgsqlDbType.TimestampTz);
            await w.WriteNullAsync();
            await w.WriteAsync(i % 400 == 0, NpgsqlDbType.Boolean);
            await w.WriteAsync(published, NpgsqlDbType.TimestampTz);
            await w.WriteAsync("admin", NpgsqlDbType.Text);
            await w.WriteAsync(place + "残联", NpgsqlDbType.Text);
            await w.WriteAsync(1, NpgsqlDbType.Integer);
            await w.WriteAsync(published, NpgsqlDbType.TimestampTz);
            await w.WriteAsync(published, NpgsqlDbType.TimestampTz);
        }
        await w.CompleteAsync();
    }

    // ---- Certified unit-years ----------------------------------------------------------------------------------------------------

    private async Task CertifyUnitYearsAsync(PlacementState[] states)
    {
        var withPlacements = g.Placements.Select(p => p.Unit).ToHashSet();
        var units = CertifiedUnits.Where(withPlacements.Contains).ToList();
        var done = 0;
        await Parallel.ForEachAsync(units, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, ct) =>
        {
            await SendAsync(new CertifyAnnualReview(g.Units[i].Id, Year));
            if (Interlocked.Increment(ref done) % 1000 == 0) Log($"  {done:N0} of {units.Count:N0} unit-years certified");
        });
        await Deliveries.DrainAsync(services, CancellationToken.None);
        Log($"  {units.Count:N0} unit-years certified, events delivered");
    }

    // ---- The load benchmark's users ----------------------------------------------------------------------------------------------

    private async Task CreateLoadUsersAsync()
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        await c.ExecuteAsync("""
            CREATE SCHEMA IF NOT EXISTS bench;
            CREATE TABLE IF NOT EXISTS bench.load_user (user_name text PRIMARY KEY, kind text NOT NULL, unit_id uuid, credit_code text, ordinal int NOT NULL);
            CREATE TABLE IF NOT EXISTS bench.declare_run (unit_id uuid PRIMARY KEY, started_at timestamptz NOT NULL);
            CREATE TABLE IF NOT EXISTS bench.declare_person (unit_id uuid NOT NULL, ordinal int NOT NULL, id_number text NOT NULL, certificate_type text NOT NULL,
                certificate_number text NOT NULL, employment_start date NOT NULL, contract_type text NOT NULL, contract_end date, wage int NOT NULL,
                PRIMARY KEY (unit_id, ordinal));
            TRUNCATE bench.load_user, bench.declare_person;
            """);
        var users = new List<LoadUser>();
        for (var l = 0; l < LoadEmployers; l++)
        {
            var u = g.Units[g.LargeFrom + l];
            users.Add(new LoadUser($"bench-e{l + 1:D2}", "employer", u.Id, u.CreditCode, l));
        }
        users.Add(new LoadUser("bench-reviewer-3301", "reviewer", null, null, 0));
        for (var r = g.ReserveFrom; r < g.Units.Count; r++)
            users.Add(new LoadUser($"bench-d{r - g.ReserveFrom + 1:D3}", "declarer", g.Units[r].Id, g.Units[r].CreditCode, r - g.ReserveFrom));
        foreach (var u in users)
        {
            await SendAsync(new CreateAccount(u.UserName, u.Kind == "reviewer" ? "杭州市残联审核员（压测）" : $"{u.CreditCode![^6..]}经办人（压测）",
                u.Kind == "declarer" ? null : Password, u.Kind == "reviewer" ? Role.Reviewer : Role.Employer, u.CreditCode,
                u.Kind == "reviewer" ? "3301" : null, UpdateIfExists: true));
            await c.ExecuteAsync("INSERT INTO bench.load_user VALUES (@UserName, @Kind, @UnitId, @CreditCode, @Ordinal)", u);
        }
        // The declaration step declares the reserved units' insured persons (their linkage data is loaded); the API takes them in order.
        await using (var w = await c.BeginBinaryImportAsync("COPY bench.declare_person (unit_id, ordinal, id_number, certificate_type, certificate_number, employment_start, contract_type, contract_end, wage) FROM STDIN (FORMAT BINARY)"))
        {
            var ordinal = new Dictionary<int, int>();
            foreach (var p in g.Pool)
            {
                var n = ordinal[p.Unit] = ordinal.GetValueOrDefault(p.Unit) + 1;
                var (type, number) = g.DeclaredCertificate(p.Person);
                await w.StartRowAsync();
                await w.WriteAsync(g.Units[p.Unit].Id, NpgsqlDbType.Uuid);
                await w.WriteAsync(n, NpgsqlDbType.Integer);
                await w.WriteAsync(g.Persons[p.Person], NpgsqlDbType.Text);
                await w.WriteAsync(type, NpgsqlDbType.Text);
                await w.WriteAsync(number, NpgsqlDbType.Text);
                await w.WriteAsync(p.EmploymentStart, NpgsqlDbType.Date);
                await w.WriteAsync(p.ContractType, NpgsqlDbType.Text);
                if (p.ContractEnd is { } ce) await w.WriteAsync(ce, NpgsqlDbType.Date); else await w.WriteNullAsync();
                await w.WriteAsync(p.Wage, NpgsqlDbType.Integer);
            }
            await w.CompleteAsync();
        }
        Log($"  {users.Count} load users; {g.Pool.Count:N0} insured persons to declare");
    }

    // ---- Plumbing ------------------------------------------------------------------------------------------------------------------

    private async Task VacuumAsync()
    {
        var watch = Stopwatch.StartNew();
        await using var c = new NpgsqlConnection(connectionString);
        await c.ExecuteAsync("VACUUM ANALYZE", commandTimeout: 0);
        Log($"  vacuum analyze {watch.Elapsed.TotalSeconds:0} s");
    }

    private async Task<T> SendAsync<T>(Mediator.ICommand<T> command)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = new SystemUser();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(command);
    }

    private static MemoryStream Utf8(StringBuilder text) => new(Encoding.UTF8.GetBytes(text.ToString()));

    private static async Task StepAsync(string what, Func<Task> step)
    {
        Log(what + " …");
        var watch = Stopwatch.StartNew();
        await step();
        Log($"{what}: {watch.Elapsed.TotalSeconds:0} s");
    }

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
