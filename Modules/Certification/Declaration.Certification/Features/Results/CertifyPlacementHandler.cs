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

namespace Declaration.Certification.Features.Results;

/// <summary>
/// Step 3: stores the engine's facts of the placement (refreshing the unit's projection from Units) and certifies it set-wise
/// with the other placements of the same person. Their changed results are announced (CertificationResultChanged); the
/// placement's own result is the reply, in the caller's transaction.
/// </summary>
internal sealed class CertifyPlacementHandler(IDbSession db, PlacementFactsStore store, CertificationEngine engine, ResultReader reader, IOutbox outbox,
    TimeProvider clock) : ICommandHandler<CertifyPlacement, CertificationResultDto>
{
    public async ValueTask<CertificationResultDto> Handle(CertifyPlacement command, CancellationToken ct)
    {
        var f = command.Facts;
        await store.StoreAsync(f, [], ct);
        await db.ExecuteAsync(CertificationEngine.CreateTarget + "INSERT INTO cert_target VALUES (@PlacementId)", f, ct);
        var run = await engine.RunAsync(clock.GetUtcNow(), ct);
        if (run.Blocked.FirstOrDefault(b => b.UnitId == f.UnitId) is { } blocked)
            throw new BusinessRuleException("MinimumWageMissing",
                $"认证无法进行：单位所在地区（{blocked.RegionCode ?? "未知"}）未配置最低工资标准，请联系管理员导入最低工资数据（{blocked.Reason}）");
        foreach (var c in run.Changed.Where(c => c.PlacementId != f.PlacementId))
            await outbox.AddAsync(Changed(c), ct);
        var result = await reader.ResultAsync(f.PlacementId, ct) ?? throw new InvalidOperationException("The engine wrote no result.");
        await outbox.AddAsync(new PlacementCertified(f.PlacementId, f.UnitId, f.BusinessYear, result.QualifyingMonths, result.PersonMonths, result.HasFlags,
            result.Version), ct);
        return result;
    }

    public static CertificationResultChanged Changed(ChangedPlacement c) =>
        new(c.PlacementId, c.UnitId, c.BusinessYear, c.OldQualifyingMonths, c.NewQualifyingMonths, c.PersonMonths, c.HasFlags, c.AllQualifyWithoutFlags, c.ResultVersion);
}

/// <summary>
/// Stores a placement's engine facts (refreshing the unit's projection from Units' Contracts once per unit, so certification never
/// depends on event timing). New facts unlock a locked result. The caller runs the engine.
/// </summary>
internal sealed class PlacementFactsStore(IDbSession db, ISender sender, IPersonalDataProtector protector, UnitProjection units, TimeProvider clock)
{
    public async Task StoreAsync(PlacementFacts f, Dictionary<Guid, UnitFactsDto> refreshed, CancellationToken ct)
    {
        var unit = await RefreshUnitAsync(f.UnitId, refreshed, ct);
        var existing = await db.QuerySingleOrDefaultAsync<ExistingRow>(
            "SELECT unit_id AS UnitId, business_year AS BusinessYear FROM certification.placement WHERE id = @PlacementId FOR UPDATE", f, ct);
        if (existing is { } e && (e.UnitId != f.UnitId || e.BusinessYear != f.BusinessYear))
            throw new ConflictException("该申报记录的单位或年度与已登记的不一致");
        var id = Identifiers.NormalizeIdNumber(f.IdNumber);
        if (Identifiers.CheckIdNumber(id, DateOnly.MaxValue) is { } error) throw new InvalidOperationException($"Placement {f.PlacementId}: {error}");
        await db.ExecuteAsync("""
            INSERT INTO certification.placement AS p (id, unit_id, credit_code, business_year, id_hash, employment_start, employment_end, contract_type,
                contract_start, contract_end, contract_ok, monthly_wage, retirement_base50, age16_month, retirement_month, locked, updated_at)
            VALUES (@PlacementId, @UnitId, @credit, @BusinessYear, @hash, @EmploymentStart, @EmploymentEnd, @ContractType, @ContractStart, @ContractEnd,
                @contractOk, @MonthlyWage, @RetirementBase50, @age16, @retirement, false, @now)
            ON CONFLICT (id) DO UPDATE SET credit_code = EXCLUDED.credit_code, id_hash = EXCLUDED.id_hash,
                employment_start = EXCLUDED.employment_start, employment_end = EXCLUDED.employment_end, contract_type = EXCLUDED.contract_type,
                contract_start = EXCLUDED.contract_start, contract_end = EXCLUDED.contract_end, contract_ok = EXCLUDED.contract_ok,
                monthly_wage = EXCLUDED.monthly_wage, retirement_base50 = EXCLUDED.retirement_base50, age16_month = EXCLUDED.age16_month,
                retirement_month = EXCLUDED.retirement_month, locked = false, updated_at = EXCLUDED.updated_at
            """, new
        {
            f.PlacementId, f.UnitId, credit = unit.CreditCode, f.BusinessYear, hash = protector.BlindIndex(id), f.EmploymentStart, f.EmploymentEnd,
            f.ContractType, f.ContractStart, f.ContractEnd, contractOk = WorkingAge.ContractLongEnough(f.ContractType, f.ContractStart, f.ContractEnd),
            f.MonthlyWage, f.RetirementBase50, age16 = WorkingAge.Age16Month(Identifiers.BirthDate(id)),
            retirement = WorkingAge.RetirementMonth(id, f.RetirementBase50), now = clock.GetUtcNow(),
        }, ct);
    }

    private async Task<UnitFactsDto> RefreshUnitAsync(Guid unitId, Dictionary<Guid, UnitFactsDto> refreshed, CancellationToken ct)
    {
        if (refreshed.TryGetValue(unitId, out var unit)) return unit;
        unit = await sender.Send(new GetUnitFacts(unitId), ct);
        await units.RefreshAsync(unit, ct);
        refreshed[unitId] = unit;
        return unit;
    }

    private sealed record ExistingRow(Guid UnitId, int BusinessYear);
}

/// <summary>
/// The bulk form of step 3 (a placements file): stores every placement's facts and certifies them all in one set-based engine run;
/// results of other placements of the same persons that change are announced.
/// </summary>
internal sealed class CertifyPlacementsHandler(IDbSession db, PlacementFactsStore store, CertificationEngine engine, IOutbox outbox, DeliverySignal signal,
    TimeProvider clock)
    : ICommandHandler<CertifyPlacements, CertificationBatchSummary>
{
    public async ValueTask<CertificationBatchSummary> Handle(CertifyPlacements command, CancellationToken ct)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var refreshed = new Dictionary<Guid, UnitFactsDto>();
        var ids = new HashSet<Guid>();
        foreach (var f in command.Facts)
        {
            if (!ids.Add(f.PlacementId)) throw new InputException("PlacementId", "同一批次中申报记录重复");
            await store.StoreAsync(f, refreshed, ct);
        }
        await db.ExecuteAsync(CertificationEngine.CreateTarget + "INSERT INTO cert_target SELECT unnest(@ids::uuid[])", new { ids = ids.ToArray() }, ct);
        var run = await engine.RunAsync(clock.GetUtcNow(), ct);
        var blocked = run.Blocked.Where(b => refreshed.ContainsKey(b.UnitId)).ToList();
        if (blocked.Count > 0)
            throw new BusinessRuleException("MinimumWageMissing",
                "认证无法进行：以下单位所在地区未配置最低工资标准，请联系管理员导入最低工资数据：" + string.Join("；", blocked.Select(b => $"{b.CreditCode}（{b.Reason}）")));
        foreach (var c in run.Changed.Where(c => !ids.Contains(c.PlacementId)))
            await outbox.AddAsync(CertifyPlacementHandler.Changed(c), ct);
        var now = clock.GetUtcNow();
        await db.ExecuteAsync("""
            INSERT INTO certification.outbox (id, type, payload, occurred_at)
            SELECT e.event_id, @type, jsonb_build_object('id', e.event_id, 'occurredAt', @now, 'placementId', e.id, 'unitId', e.unit_id,
                'businessYear', e.business_year, 'qualifyingMonths', e.q, 'personMonths', e.pm, 'hasFlags', e.flagged, 'resultVersion', e.version), @now
            FROM (SELECT gen_random_uuid() AS event_id, p.id, p.unit_id, p.business_year, bit_count(m.qualifies::bit(12))::int AS q,
                         (bit_count(m.qualifies::bit(12)) + bit_count((m.qualifies & m.severe)::bit(12)))::int AS pm, m.via_related_unit <> 0 AS flagged, m.version
                  FROM certification.placement p JOIN certification.placement_months m ON m.placement_id = p.id
                  WHERE p.id = ANY(@ids) ORDER BY p.id) e
            """, new { type = typeof(PlacementCertified).FullName, now, ids = ids.ToArray() }, ct);
        db.AfterCommit(signal.Pulse);
        return new CertificationBatchSummary(command.Facts.Count > 0 ? command.Facts[0].BusinessYear : 0, run.Placements, run.QualifyingMonths, run.ChangedCount, watch.Elapsed);
    }
}
