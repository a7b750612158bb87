using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Contracts;
using Declaration.Certification.Domain;
using Declaration.Certification.Engine;
using Declaration.Units.Contracts;
using Mediator;
using Npgsql;
using NpgsqlTypes;

namespace Declaration.Certification.Features.Results;

/// <summary>
/// Step 3: stores the engine's facts of the placement (refreshing the unit's projection from Units) and certifies it set-wise
/// with the other placements of the same person. Their changed results are announced (CertificationResultChanged); the
/// placement's own result is the reply, in the caller's transaction. The facts, the engine and the result travel in one round trip
/// (a declaration waits for it); the events go with the caller's next one.
/// </summary>
internal sealed class CertifyPlacementHandler(PlacementFactsStore store, CertificationEngine engine, IOutbox outbox, TimeProvider clock)
    : ICommandHandler<CertifyPlacement, CertificationResultDto>
{
    public async ValueTask<CertificationResultDto> Handle(CertifyPlacement command, CancellationToken ct)
    {
        var f = command.Facts;
        var unit = await store.UnitAsync(f.UnitId, ct);
        var now = clock.GetUtcNow();
        // Whether our copy of the unit (region, related units) is as Units has it travels in the engine's round trip too: nearly
        // always it is, and the run stands.
        var current = false;
        var (run, stored, result) = await RunAsync(f, unit, now, command.NewPlacement, ct,
            new EngineCompanion(UnitProjection.CurrentCommand(unit), async (r, c) => current = await r.ReadAsync(c) && r.GetInt32(0) >= unit.RelatedVersion));
        var changed = run.Changed;
        if (!current)
        {
            // Behind (an event of Units not applied yet): the copy is refreshed and the group certified again with it (the facts,
            // now stored, merged). The events say what changed from before the first run to after the second.
            unit = await store.RefreshUnitAsync(unit, ct);
            var first = run;
            (run, stored, result) = await RunAsync(f, unit, now, newPlacement: false, ct);
            changed = Net(first.Changed, run.Changed);
        }
        // A conflict or a blocked unit rolls the whole transaction back (the engine's writes with it).
        if (!stored) throw new ConflictException("该申报记录的单位或年度与已登记的不一致");
        if (run.Blocked.FirstOrDefault(b => b.UnitId == f.UnitId) is { } blocked)
            throw new BusinessRuleException("MinimumWageMissing",
                $"认证无法进行：单位所在地区（{blocked.RegionCode ?? "未知"}）未配置最低工资标准，请联系管理员导入最低工资数据（{blocked.Reason}）");
        foreach (var c in changed.Where(c => c.PlacementId != f.PlacementId))
            await outbox.AddAsync(Changed(c), ct);
        var certified = result ?? throw new InvalidOperationException("The engine wrote no result.");
        // Queued: it travels with the caller's next round trip (a declaration's COMMIT).
        await outbox.AddAsync(new PlacementCertified(f.PlacementId, f.UnitId, f.BusinessYear, certified.QualifyingMonths, certified.PersonMonths,
            certified.HasFlags, certified.Version), ct);
        return certified;
    }

    /// <summary>The facts, the engine and the placement's result in one round trip (with <paramref name="check"/> first, when given).</summary>
    private async Task<(EngineRun Run, bool Stored, CertificationResultDto? Result)> RunAsync(PlacementFacts f, UnitFactsDto unit, DateTimeOffset now,
        bool newPlacement, CancellationToken ct, EngineCompanion? check = null)
    {
        var stored = false;
        CertificationResultDto? result = null;
        var facts = new EngineCompanion(store.UpsertCommand(f, unit, now, newPlacement), async (r, c) => stored = await r.ReadAsync(c));
        var run = await engine.RunSmallAsync([f.PlacementId], now, ct,
            before: check is null ? [facts] : [check, facts],
            after:
            [
                new EngineCompanion(ResultReader.ResultsCommand([f.PlacementId]),
                    async (r, c) => result = (await ResultReader.ReadResultsAsync(r, [f.PlacementId], c)).FirstOrDefault()),
            ]);
        return (run, stored, result);
    }

    /// <summary>
    /// The results two runs in a row changed, as one change each: from what the first found to what the second left (a result only
    /// the first changed keeps its change; one both changed goes from the first's old figures to the second's new ones).
    /// </summary>
    internal static IReadOnlyList<ChangedPlacement> Net(IReadOnlyList<ChangedPlacement> first, IReadOnlyList<ChangedPlacement> second)
    {
        var net = first.ToDictionary(c => c.PlacementId);
        foreach (var c in second)
            net[c.PlacementId] = net.TryGetValue(c.PlacementId, out var before) ? c with { OldQualifyingMonths = before.OldQualifyingMonths } : c;
        return [.. net.Values];
    }

    public static CertificationResultChanged Changed(ChangedPlacement c) =>
        new(c.PlacementId, c.UnitId, c.BusinessYear, c.OldQualifyingMonths, c.NewQualifyingMonths, c.PersonMonths, c.HasFlags, c.AllQualifyWithoutFlags, c.ResultVersion);
}

/// <summary>
/// Stores a placement's engine facts (refreshing the unit's projection from Units' Contracts once per unit, so certification never
/// depends on event timing). New facts unlock a locked result. The caller runs the engine.
/// </summary>
internal sealed class PlacementFactsStore(ISender sender, IPersonalDataProtector protector, UnitProjection units)
{
    /// <summary>
    /// The upsert of the facts, to travel with the engine's statement: one row back when written; none when stored facts of another
    /// unit or year would have been replaced (never: a conflict). A new placement's facts (<paramref name="newPlacement"/>: a key never
    /// certified) are a plain insert: a speculative insert per declaration (the conflict check, its lock and its second index pass)
    /// cost three times the insert itself under load.
    /// </summary>
    public NpgsqlBatchCommand UpsertCommand(PlacementFacts f, UnitFactsDto unit, DateTimeOffset now, bool newPlacement = false)
    {
        var id = Identifiers.NormalizeIdNumber(f.IdNumber);
        if (Identifiers.CheckIdNumber(id, DateOnly.MaxValue) is { } error) throw new InvalidOperationException($"Placement {f.PlacementId}: {error}");
        return BatchCommands.Create(newPlacement ? InsertFacts + "\nRETURNING 1" : InsertFacts + "\n" + """
            ON CONFLICT (id) DO UPDATE SET credit_code = EXCLUDED.credit_code, id_hash = EXCLUDED.id_hash,
                employment_start = EXCLUDED.employment_start, employment_end = EXCLUDED.employment_end, contract_type = EXCLUDED.contract_type,
                contract_start = EXCLUDED.contract_start, contract_end = EXCLUDED.contract_end, contract_ok = EXCLUDED.contract_ok,
                monthly_wage = EXCLUDED.monthly_wage, retirement_base50 = EXCLUDED.retirement_base50, age16_month = EXCLUDED.age16_month,
                retirement_month = EXCLUDED.retirement_month, locked = false, updated_at = EXCLUDED.updated_at
            WHERE p.unit_id = EXCLUDED.unit_id AND p.business_year = EXCLUDED.business_year
            RETURNING 1
            """, new
        {
            id = f.PlacementId, unit = f.UnitId, credit = unit.CreditCode, year = f.BusinessYear, hash = protector.BlindIndex(id),
            employmentStart = f.EmploymentStart, employmentEnd = f.EmploymentEnd, contractType = f.ContractType, contractStart = f.ContractStart,
            contractEnd = f.ContractEnd, contractOk = WorkingAge.ContractLongEnough(f.ContractType, f.ContractStart, f.ContractEnd),
            wage = f.MonthlyWage, base50 = f.RetirementBase50, age16 = WorkingAge.Age16Month(Identifiers.BirthDate(id)),
            retirement = WorkingAge.RetirementMonth(id, f.RetirementBase50), now,
        });
    }

    private const string InsertFacts = """
        INSERT INTO certification.placement AS p (id, unit_id, credit_code, business_year, id_hash, employment_start, employment_end, contract_type,
            contract_start, contract_end, contract_ok, monthly_wage, retirement_base50, age16_month, retirement_month, locked, updated_at)
        VALUES (@id, @unit, @credit, @year, @hash, @employmentStart, @employmentEnd, @contractType, @contractStart, @contractEnd,
            @contractOk, @wage, @base50, @age16, @retirement, false, @now)
        """;

    /// <summary>The unit as Units has it now (the related-unit list's version only: answered from the unit the request read).</summary>
    public async Task<UnitFactsDto> UnitAsync(Guid unitId, CancellationToken ct) => await sender.Send(new GetUnitFacts(unitId, WithRelatedUnits: false), ct);

    /// <summary>
    /// Refreshes our copy of <paramref name="unit"/>, found behind Units: the unit upserted, and its related-unit list asked of Units and
    /// replaced only when ours is behind too. Returns the unit as Units has it (with that list when it was asked for).
    /// </summary>
    public async Task<UnitFactsDto> RefreshUnitAsync(UnitFactsDto unit, CancellationToken ct)
    {
        if (await units.UpsertBehindAsync(unit, ct)) return unit;
        unit = await sender.Send(new GetUnitFacts(unit.UnitId), ct);
        await units.ReplaceRelatedAsync(unit.UnitId, unit.RelatedUnits, unit.RelatedVersion, ct);
        return unit;
    }
}

/// <summary>The in-memory bulk form of step 3: the facts staged, then certified as a staged set.</summary>
internal sealed class CertifyPlacementsHandler(StagedCertification staged) : ICommandHandler<CertifyPlacements, CertificationBatchSummary>
{
    public async ValueTask<CertificationBatchSummary> Handle(CertifyPlacements command, CancellationToken ct)
    {
        await staged.StageAsync(command.Facts, ct);
        return await staged.CertifyAsync(ct);
    }
}

internal sealed class StagedCertificationHandlers(StagedCertification staged)
    : ICommandHandler<StagePlacementFacts, long>, ICommandHandler<CertifyStagedPlacements, CertificationBatchSummary>,
      IQueryHandler<GetStagedResultSummaries, IReadOnlyList<ResultSummaryDto>>
{
    public async ValueTask<long> Handle(StagePlacementFacts command, CancellationToken ct) => await staged.StageAsync(command.Facts, ct);

    public async ValueTask<CertificationBatchSummary> Handle(CertifyStagedPlacements command, CancellationToken ct) => await staged.CertifyAsync(ct);

    public async ValueTask<IReadOnlyList<ResultSummaryDto>> Handle(GetStagedResultSummaries query, CancellationToken ct) =>
        await staged.SummariesAsync(query.After, Math.Clamp(query.Limit, 1, 50_000), ct);
}

/// <summary>
/// Step 3 for a whole file: the placements' engine facts are staged with COPY into a temporary table of this session (the derived
/// months — 16th birthday, retirement, contract length — computed here, the IdNumber kept only as its blind index), then stored with
/// one upsert and certified in one engine run. Memory holds one chunk of facts at a time; the lock table holds the engine's few
/// temporary tables, whatever the number of placements.
/// </summary>
internal sealed class StagedCertification(IDbSession db, ISender sender, IPersonalDataProtector protector, UnitProjection units, CertificationEngine engine,
    IOutbox outbox, DeliverySignal signal, ICurrentUser user, TimeProvider clock)
{
    private const string Table = "cert_staged";

    public async Task<long> StageAsync(IReadOnlyList<PlacementFacts> facts, CancellationToken ct)
    {
        if (db.Transaction is null) throw new InvalidOperationException("Staging needs the caller's transaction.");
        await db.ExecuteAsync($"""
            CREATE TEMP TABLE IF NOT EXISTS {Table} (id uuid PRIMARY KEY, unit_id uuid NOT NULL, business_year int NOT NULL, id_hash bytea NOT NULL,
                employment_start date NOT NULL, employment_end date, contract_type text NOT NULL, contract_start date NOT NULL, contract_end date,
                contract_ok boolean NOT NULL, monthly_wage numeric(14, 2) NOT NULL, retirement_base50 boolean NOT NULL, age16_month date NOT NULL,
                retirement_month date NOT NULL) ON COMMIT DROP
            """, null, ct);
        var seen = new HashSet<Guid>();
        var connection = await db.ConnectionAsync(ct);
        try
        {
            await using var copy = await connection.BeginBinaryImportAsync($"COPY {Table} FROM STDIN (FORMAT BINARY)", ct);
            foreach (var f in facts)
            {
                if (!seen.Add(f.PlacementId)) throw new InputException("PlacementId", "同一批次中申报记录重复");
                var id = Identifiers.NormalizeIdNumber(f.IdNumber);
                if (Identifiers.CheckIdNumber(id, DateOnly.MaxValue) is { } error) throw new InvalidOperationException($"Placement {f.PlacementId}: {error}");
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(f.PlacementId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(f.UnitId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(f.BusinessYear, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(protector.BlindIndex(id), NpgsqlDbType.Bytea, ct);
                await copy.WriteAsync(f.EmploymentStart, NpgsqlDbType.Date, ct);
                if (f.EmploymentEnd is { } ee) await copy.WriteAsync(ee, NpgsqlDbType.Date, ct); else await copy.WriteNullAsync(ct);
                await copy.WriteAsync(f.ContractType, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(f.ContractStart, NpgsqlDbType.Date, ct);
                if (f.ContractEnd is { } ce) await copy.WriteAsync(ce, NpgsqlDbType.Date, ct); else await copy.WriteNullAsync(ct);
                await copy.WriteAsync(WorkingAge.ContractLongEnough(f.ContractType, f.ContractStart, f.ContractEnd), NpgsqlDbType.Boolean, ct);
                await copy.WriteAsync(f.MonthlyWage, NpgsqlDbType.Numeric, ct);
                await copy.WriteAsync(f.RetirementBase50, NpgsqlDbType.Boolean, ct);
                await copy.WriteAsync(WorkingAge.Age16Month(Identifiers.BirthDate(id)), NpgsqlDbType.Date, ct);
                await copy.WriteAsync(WorkingAge.RetirementMonth(id, f.RetirementBase50), NpgsqlDbType.Date, ct);
            }
            await copy.CompleteAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new InputException("PlacementId", "同一批次中申报记录重复");
        }
        return await db.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table}", null, ct);
    }

    public async Task<CertificationBatchSummary> CertifyAsync(CancellationToken ct)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        if (await db.ExecuteScalarAsync<string>($"SELECT to_regclass('pg_temp.{Table}')::text", null, ct) is null)
            return new CertificationBatchSummary(0, 0, 0, 0, watch.Elapsed);
        await db.ExecuteAsync($"ANALYZE {Table}", null, ct);
        if (await db.ExecuteScalarAsync<bool>($"""
            SELECT EXISTS (SELECT 1 FROM certification.placement p JOIN {Table} s ON s.id = p.id
                           WHERE p.unit_id <> s.unit_id OR p.business_year <> s.business_year)
            """, null, ct))
            throw new ConflictException("该申报记录的单位或年度与已登记的不一致");

        // The units, as Units has them now (never dependent on event timing), once each.
        // Only units whose projection is behind Units are refreshed (one query each way for the rest).
        var unitIds = await db.QueryAsync<Guid>($"SELECT DISTINCT unit_id FROM {Table}", null, ct);
        var held = (await db.QueryAsync<(Guid Id, int Version, int RelatedVersion)>(
            "SELECT id, version, related_version FROM certification.unit WHERE id = ANY(@ids)", new { ids = unitIds.ToArray() }, ct)).ToDictionary(u => u.Id);
        var facts = new List<UnitFactsDto>();
        if (user.Role is Role.Admin or Role.System) facts.AddRange(await sender.Send(new GetUnitFactsMany(unitIds), ct));
        else foreach (var id in unitIds) facts.Add(await sender.Send(new GetUnitFacts(id), ct));
        await units.RefreshAsync(facts.Where(u => !held.TryGetValue(u.UnitId, out var h) || h.Version != u.Version || h.RelatedVersion != u.RelatedVersion).ToList(), ct);

        var now = clock.GetUtcNow();
        await db.ExecuteAsync($"""
            INSERT INTO certification.placement AS p (id, unit_id, credit_code, business_year, id_hash, employment_start, employment_end, contract_type,
                contract_start, contract_end, contract_ok, monthly_wage, retirement_base50, age16_month, retirement_month, locked, updated_at)
            SELECT s.id, s.unit_id, u.credit_code, s.business_year, s.id_hash, s.employment_start, s.employment_end, s.contract_type, s.contract_start,
                s.contract_end, s.contract_ok, s.monthly_wage, s.retirement_base50, s.age16_month, s.retirement_month, false, @now
            FROM {Table} s JOIN certification.unit u ON u.id = s.unit_id
            ORDER BY s.id
            ON CONFLICT (id) DO UPDATE SET credit_code = EXCLUDED.credit_code, id_hash = EXCLUDED.id_hash,
                employment_start = EXCLUDED.employment_start, employment_end = EXCLUDED.employment_end, contract_type = EXCLUDED.contract_type,
                contract_start = EXCLUDED.contract_start, contract_end = EXCLUDED.contract_end, contract_ok = EXCLUDED.contract_ok,
                monthly_wage = EXCLUDED.monthly_wage, retirement_base50 = EXCLUDED.retirement_base50, age16_month = EXCLUDED.age16_month,
                retirement_month = EXCLUDED.retirement_month, locked = false, updated_at = EXCLUDED.updated_at
            """, new { now }, ct);
        await db.ExecuteAsync(CertificationEngine.CreateTarget + $"INSERT INTO cert_target SELECT id FROM {Table}", null, ct);
        var run = await engine.RunAsync(now, ct, fetchChanged: false);
        var blocked = run.Blocked.Where(b => unitIds.Contains(b.UnitId)).ToList();
        if (blocked.Count > 0)
            throw new BusinessRuleException("MinimumWageMissing",
                "认证无法进行：以下单位所在地区未配置最低工资标准，请联系管理员导入最低工资数据：" + string.Join("；", blocked.Select(b => $"{b.CreditCode}（{b.Reason}）")));

        // Other placements of the same persons whose results changed, then one PlacementCertified per staged placement (when anything
        // takes that event).
        var changedEvents = outbox.Carries(typeof(CertificationResultChanged)) ? $"""
            INSERT INTO certification.outbox (id, type, payload, occurred_at)
            SELECT e.event_id, @changedType, jsonb_build_object(
                'id', e.event_id, 'occurredAt', @now, 'placementId', e.id, 'unitId', e.unit_id, 'businessYear', e.business_year,
                'oldQualifyingMonths', e.old_q, 'newQualifyingMonths', e.new_q, 'personMonths', e.new_pm, 'hasFlags', e.flagged,
                'allQualifyWithoutFlags', e.clean, 'resultVersion', e.version), @now
            FROM (SELECT gen_random_uuid() AS event_id, c.* FROM cert_changed c WHERE NOT EXISTS (SELECT 1 FROM {Table} s WHERE s.id = c.id) ORDER BY c.id) e;
            """ : "";
        var certifiedEvents = outbox.Carries(typeof(PlacementCertified)) ? $"""
            INSERT INTO certification.outbox (id, type, payload, occurred_at)
            SELECT e.event_id, @certifiedType, jsonb_build_object('id', e.event_id, 'occurredAt', @now, 'placementId', e.id, 'unitId', e.unit_id,
                'businessYear', e.business_year, 'qualifyingMonths', e.q, 'personMonths', e.pm, 'hasFlags', e.flagged, 'resultVersion', e.version), @now
            FROM (SELECT gen_random_uuid() AS event_id, p.id, p.unit_id, p.business_year, bit_count(m.qualifies::bit(12))::int AS q,
                         (bit_count(m.qualifies::bit(12)) + bit_count((m.qualifies & m.severe)::bit(12)))::int AS pm, m.via_related_unit <> 0 AS flagged, m.version
                  FROM {Table} s JOIN certification.placement p ON p.id = s.id JOIN certification.placement_months m ON m.placement_id = s.id
                  ORDER BY s.id) e;
            """ : "";
        if (changedEvents.Length + certifiedEvents.Length > 0)
            await db.ExecuteAsync(changedEvents + certifiedEvents, new { now, changedType = typeof(CertificationResultChanged).FullName, certifiedType = typeof(PlacementCertified).FullName }, ct);
        db.AfterCommit(signal.Pulse);
        var year = await db.ExecuteScalarAsync<int?>($"SELECT min(business_year) FROM {Table}", null, ct) ?? 0;
        return new CertificationBatchSummary(year, run.Placements, run.QualifyingMonths, run.ChangedCount, watch.Elapsed);
    }

    public async Task<IReadOnlyList<ResultSummaryDto>> SummariesAsync(Guid after, int limit, CancellationToken ct)
    {
        if (await db.ExecuteScalarAsync<string>($"SELECT to_regclass('pg_temp.{Table}')::text", null, ct) is null) return [];
        return await db.QueryAsync<ResultSummaryDto>($"""
            SELECT s.id AS PlacementId, bit_count(m.qualifies::bit(12))::int AS QualifyingMonths,
                   (bit_count(m.qualifies::bit(12)) + bit_count((m.qualifies & m.severe)::bit(12)))::int AS PersonMonths,
                   m.via_related_unit <> 0 AS HasFlags, m.qualifies = 4095 AND m.via_related_unit = 0 AS AllQualifyWithoutFlags, m.version AS Version
            FROM {Table} s JOIN certification.placement_months m ON m.placement_id = s.id
            WHERE s.id > @after ORDER BY s.id LIMIT @limit
            """, new { after, limit }, ct);
    }
}
