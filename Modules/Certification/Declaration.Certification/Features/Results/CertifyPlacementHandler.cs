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
using FluentValidation;
using Mediator;

namespace Declaration.Certification.Features.Results;

internal sealed class CertifyPlacementValidator : AbstractValidator<CertifyPlacement>
{
    public CertifyPlacementValidator(TimeProvider clock)
    {
        RuleFor(c => c.Facts).NotNull();
        RuleFor(c => c.Facts.IdNumber).Custom((v, ctx) =>
        {
            if (Identifiers.CheckIdNumber(v, ChinaTime.Today(clock)) is { } e) ctx.AddFailure("IdNumber", e);
        });
        RuleFor(c => c.Facts.Name).NotEmpty().WithMessage("请填写姓名");
        RuleFor(c => c.Facts.BusinessYear).InclusiveBetween(2015, 2100).WithMessage("业务年度不合法");
        RuleFor(c => c.Facts.CertificateType).Must(t => t is "disability" or "veteran").WithMessage("证件类型应为 disability 或 veteran");
        RuleFor(c => c.Facts.ContractType).Must(t => t is "fixed" or "service_agreement" or "open_ended" or "establishment")
            .WithMessage("合同类型不合法");
        RuleFor(c => c.Facts.MonthlyWage).GreaterThanOrEqualTo(0).WithMessage("月工资不能为负数");
        RuleFor(c => c.Facts).Custom((f, ctx) =>
        {
            if (f is null) return;
            if (Identifiers.CheckIdNumber(f.IdNumber, ChinaTime.Today(clock)) is null &&
                Identifiers.CheckCertificateNumber(f.CertificateNumber, f.IdNumber, f.CertificateType == "veteran") is { } e)
                ctx.AddFailure("CertificateNumber", e);
            if (f.EmploymentEnd is { } end && end < f.EmploymentStart) ctx.AddFailure("EmploymentEnd", "就业结束日期早于开始日期");
            if (f.ContractType is "fixed" or "service_agreement" && f.ContractEnd is null) ctx.AddFailure("ContractEnd", "固定期限合同和服务协议须填写合同结束日期");
        });
    }
}

/// <summary>Step 3: stores the placement's facts (refreshing the unit's projection from Units) and certifies it set-wise.</summary>
internal sealed class CertifyPlacementHandler(IDbSession db, PlacementFactsStore store, CertificationEngine engine, ResultReader reader, IOutbox outbox,
    TimeProvider clock) : ICommandHandler<CertifyPlacement, CertificationResultDto>
{
    public async ValueTask<CertificationResultDto> Handle(CertifyPlacement command, CancellationToken ct)
    {
        var f = command.Facts;
        var now = clock.GetUtcNow();
        await store.StoreAsync(f, [], ct);
        await db.ExecuteAsync(CertificationEngine.CreateTarget + "INSERT INTO cert_target VALUES (@PlacementId)", f, ct);
        var run = await engine.RunAsync(now, ct);
        if (run.Blocked.FirstOrDefault(b => b.UnitId == f.UnitId) is { } blocked)
            throw new BusinessRuleException("MinimumWageMissing",
                $"认证无法进行：单位所在地区（{blocked.RegionCode ?? "未知"}）未配置最低工资标准，请联系管理员导入最低工资数据（{blocked.Reason}）");

        var result = await reader.ResultAsync(f.PlacementId, ct) ?? throw new InvalidOperationException("The engine wrote no result.");
        await outbox.AddAsync(new PlacementCertified(f.PlacementId, f.UnitId, f.BusinessYear, result.QualifyingMonths, result.PersonMonths, result.HasFlags), ct);
        foreach (var c in run.Changed.Where(c => c.PlacementId != f.PlacementId))
            await outbox.AddAsync(new CertificationResultChanged(c.PlacementId, c.UnitId, c.BusinessYear, c.OldQualifyingMonths, c.NewQualifyingMonths, c.MaskedName), ct);
        return result;
    }
}

/// <summary>
/// Stores a placement's facts as declared (refreshing the unit's projection from Units' Contracts once per unit, so certification
/// never depends on event timing): back to Draft, decisions cleared. The caller runs the engine.
/// </summary>
internal sealed class PlacementFactsStore(IDbSession db, ISender sender, IPersonalDataProtector protector, UnitProjection units, TimeProvider clock)
{
    public async Task StoreAsync(PlacementFacts f, Dictionary<Guid, UnitDto> refreshed, CancellationToken ct)
    {
            if (!refreshed.TryGetValue(f.UnitId, out var unit))
            {
                unit = await sender.Send(new CheckUnitAccess(f.UnitId), ct);
                var related = await sender.Send(new GetRelatedUnits(f.UnitId, DateOnly.MinValue, DateOnly.MaxValue), ct);
                await units.UpsertUnitAsync(unit.Id, unit.CreditCode, unit.Name, unit.RegionCode, unit.FederationCode, ct);
                await units.ReplaceRelatedAsync(unit.Id, related.Select(r => new RelatedUnitFact(r.RelatedCreditCode, r.RelationType, r.ValidFrom, r.ValidTo)).ToList(), ct);
                refreshed[f.UnitId] = unit;
            }

            var existing = await db.QuerySingleOrDefaultAsync<ExistingRow>(
                "SELECT unit_id AS UnitId, business_year AS BusinessYear FROM certification.placement WHERE id = @PlacementId FOR UPDATE", f, ct);
            if (existing is { } e && (e.UnitId != f.UnitId || e.BusinessYear != f.BusinessYear))
                throw new ConflictException("该申报记录的单位或年度与已登记的不一致");
            var id = Identifiers.NormalizeIdNumber(f.IdNumber);
            var hash = protector.BlindIndex(id);
            var other = await db.ExecuteScalarAsync<Guid?>("""
                SELECT id FROM certification.placement WHERE unit_id = @UnitId AND business_year = @BusinessYear AND id_hash = @hash AND id <> @PlacementId
                """, new { f.UnitId, f.BusinessYear, hash, f.PlacementId }, ct);
            if (other is not null) throw new BusinessRuleException("OnePlacementPerPerson", "同一单位同一年度不能重复申报同一人");

            var now = clock.GetUtcNow();
            await db.ExecuteAsync("""
                INSERT INTO certification.placement AS p (id, unit_id, credit_code, business_year, id_hash, id_number_enc, masked_id, name_enc, masked_name,
                    certificate_type, certificate_number_enc, employment_start, employment_end, contract_type, contract_start, contract_end, contract_ok,
                    monthly_wage, retirement_base50, age16_month, retirement_month, state, updated_at)
                VALUES (@PlacementId, @UnitId, @credit, @BusinessYear, @hash, @idEnc, @maskedId, @nameEnc, @maskedName, @CertificateType, @numberEnc,
                    @EmploymentStart, @EmploymentEnd, @ContractType, @ContractStart, @ContractEnd, @contractOk, @MonthlyWage, @RetirementBase50,
                    @age16, @retirement, 'Draft', @now)
                ON CONFLICT (id) DO UPDATE SET credit_code = EXCLUDED.credit_code, id_hash = EXCLUDED.id_hash, id_number_enc = EXCLUDED.id_number_enc,
                    masked_id = EXCLUDED.masked_id, name_enc = EXCLUDED.name_enc, masked_name = EXCLUDED.masked_name,
                    certificate_type = EXCLUDED.certificate_type, certificate_number_enc = EXCLUDED.certificate_number_enc,
                    employment_start = EXCLUDED.employment_start, employment_end = EXCLUDED.employment_end, contract_type = EXCLUDED.contract_type,
                    contract_start = EXCLUDED.contract_start, contract_end = EXCLUDED.contract_end, contract_ok = EXCLUDED.contract_ok,
                    monthly_wage = EXCLUDED.monthly_wage, retirement_base50 = EXCLUDED.retirement_base50, age16_month = EXCLUDED.age16_month,
                    retirement_month = EXCLUDED.retirement_month, state = 'Draft', disputed_months = '{}', dispute_reason = NULL,
                    confirmed_at = NULL, confirmed_person_months = NULL, updated_at = EXCLUDED.updated_at
                """, new
            {
                f.PlacementId, f.UnitId, credit = unit.CreditCode, f.BusinessYear, hash, idEnc = protector.Encrypt(id), maskedId = Masking.IdNumber(id),
                nameEnc = protector.Encrypt(f.Name.Trim()), maskedName = Masking.Name(f.Name.Trim()), f.CertificateType,
                numberEnc = protector.Encrypt(f.CertificateNumber.Trim().ToUpperInvariant()), f.EmploymentStart, f.EmploymentEnd, f.ContractType,
                f.ContractStart, f.ContractEnd, contractOk = WorkingAge.ContractLongEnough(f.ContractType, f.ContractStart, f.ContractEnd),
                f.MonthlyWage, f.RetirementBase50, age16 = WorkingAge.Age16Month(Identifiers.BirthDate(id)),
                retirement = WorkingAge.RetirementMonth(id, f.RetirementBase50), now,
            }, ct);
            await db.ExecuteAsync("DELETE FROM certification.month_decision WHERE placement_id = @PlacementId", f, ct);
    }

    private sealed record ExistingRow(Guid UnitId, int BusinessYear);
}

internal sealed class CertifyPlacementsValidator : AbstractValidator<CertifyPlacements>
{
    public CertifyPlacementsValidator(TimeProvider clock)
    {
        RuleFor(c => c.Facts).NotNull();
        RuleForEach(c => c.Facts).Custom((f, ctx) =>
        {
            var today = ChinaTime.Today(clock);
            if (Identifiers.CheckIdNumber(f.IdNumber, today) is { } idError) ctx.AddFailure("IdNumber", idError);
            else if (Identifiers.CheckCertificateNumber(f.CertificateNumber, f.IdNumber, f.CertificateType == "veteran") is { } e)
                ctx.AddFailure("CertificateNumber", e);
            if (string.IsNullOrWhiteSpace(f.Name)) ctx.AddFailure("Name", "请填写姓名");
            if (f.BusinessYear is < 2015 or > 2100) ctx.AddFailure("BusinessYear", "业务年度不合法");
            if (f.CertificateType is not ("disability" or "veteran")) ctx.AddFailure("CertificateType", "证件类型应为 disability 或 veteran");
            if (f.ContractType is not ("fixed" or "service_agreement" or "open_ended" or "establishment")) ctx.AddFailure("ContractType", "合同类型不合法");
            if (f.MonthlyWage < 0) ctx.AddFailure("MonthlyWage", "月工资不能为负数");
            if (f.EmploymentEnd is { } end && end < f.EmploymentStart) ctx.AddFailure("EmploymentEnd", "就业结束日期早于开始日期");
            if (f.ContractType is "fixed" or "service_agreement" && f.ContractEnd is null) ctx.AddFailure("ContractEnd", "固定期限合同和服务协议须填写合同结束日期");
        });
    }
}

internal sealed class CertifyPlacementsHandler(IDbSession db, PlacementFactsStore store, CertificationEngine engine, IOutbox outbox, TimeProvider clock)
    : ICommandHandler<CertifyPlacements, CertificationBatchSummary>
{
    public async ValueTask<CertificationBatchSummary> Handle(CertifyPlacements command, CancellationToken ct)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var now = clock.GetUtcNow();
        var refreshed = new Dictionary<Guid, UnitDto>();
        var ids = new HashSet<Guid>();
        foreach (var f in command.Facts)
        {
            if (!ids.Add(f.PlacementId)) throw new InputException("PlacementId", "同一批次中申报记录重复");
            await store.StoreAsync(f, refreshed, ct);
        }
        await db.ExecuteAsync(CertificationEngine.CreateTarget + "INSERT INTO cert_target SELECT unnest(@ids::uuid[])", new { ids = ids.ToArray() }, ct);
        var run = await engine.RunAsync(now, ct);
        var blocked = run.Blocked.Where(b => refreshed.ContainsKey(b.UnitId)).ToList();
        if (blocked.Count > 0)
            throw new BusinessRuleException("MinimumWageMissing",
                "认证无法进行：以下单位所在地区未配置最低工资标准，请联系管理员导入最低工资数据：" + string.Join("；", blocked.Select(b => $"{b.CreditCode}（{b.Reason}）")));
        await db.ExecuteAsync("""
            INSERT INTO certification.outbox (id, type, payload, occurred_at)
            SELECT e.event_id, 'Declaration.Certification.Contracts.PlacementCertified', jsonb_build_object(
                'id', e.event_id, 'occurredAt', @now, 'placementId', e.id, 'unitId', e.unit_id, 'businessYear', e.business_year,
                'qualifyingMonths', e.q, 'personMonths', e.pm, 'hasFlags', e.flagged), @now
            FROM (SELECT gen_random_uuid() AS event_id, p.id, p.unit_id, p.business_year,
                         count(*) FILTER (WHERE r.qualifies)::int AS q, coalesce(sum(r.weight), 0)::int AS pm, bool_or(cardinality(r.flags) > 0) AS flagged
                  FROM certification.placement p JOIN certification.month_result r ON r.placement_id = p.id
                  WHERE p.id = ANY(@ids) GROUP BY p.id) e
            """, new { now, ids = ids.ToArray() }, ct);
        foreach (var c in run.Changed.Where(c => !ids.Contains(c.PlacementId)))
            await outbox.AddAsync(new CertificationResultChanged(c.PlacementId, c.UnitId, c.BusinessYear, c.OldQualifyingMonths, c.NewQualifyingMonths, c.MaskedName), ct);
        return new CertificationBatchSummary(command.Facts.Count > 0 ? command.Facts[0].BusinessYear : 0, run.Placements, run.QualifyingMonths, run.ChangedCount, watch.Elapsed);
    }
}
