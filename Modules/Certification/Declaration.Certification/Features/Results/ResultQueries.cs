using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Contracts;
using Declaration.Certification.Domain;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.Certification.Features.Results;

/// <summary>Reads go through Units' CheckUnitAccess: an employer of another unit gets 404, a reviewer outside the jurisdiction 403.</summary>
internal sealed class PlacementAccess(ResultReader reader, ISender sender)
{
    public async Task<PlacementRow?> ForReadAsync(Guid placementId, CancellationToken ct, bool forUpdate = false)
    {
        var p = await reader.PlacementAsync(placementId, ct, forUpdate);
        if (p is null) return null;
        await sender.Send(new CheckUnitAccess(p.UnitId), ct);
        return p;
    }

    public async Task CheckUnitsAsync(IEnumerable<Guid> unitIds, CancellationToken ct)
    {
        foreach (var unitId in unitIds.Distinct()) await sender.Send(new CheckUnitAccess(unitId), ct);
    }
}

internal sealed class GetCertificationResultHandler(PlacementAccess access, ResultReader reader) : IQueryHandler<GetCertificationResult, CertificationResultDto?>
{
    public async ValueTask<CertificationResultDto?> Handle(GetCertificationResult query, CancellationToken ct) =>
        await access.ForReadAsync(query.PlacementId, ct) is null ? null : await reader.ResultAsync(query.PlacementId, ct);
}

internal sealed class GetCertificationResultsByIdsHandler(PlacementAccess access, ResultReader reader)
    : IQueryHandler<GetCertificationResultsByIds, IReadOnlyList<CertificationResultDto>>
{
    public async ValueTask<IReadOnlyList<CertificationResultDto>> Handle(GetCertificationResultsByIds query, CancellationToken ct)
    {
        var results = await reader.ResultsAsync(query.PlacementIds, ct);
        await access.CheckUnitsAsync(results.Select(r => r.UnitId), ct);
        return results;
    }
}

internal sealed class GetCertificationResultsHandler(IDbSession db, ISender sender, ResultReader reader)
    : IQueryHandler<GetCertificationResults, IReadOnlyList<CertificationResultDto>>
{
    public async ValueTask<IReadOnlyList<CertificationResultDto>> Handle(GetCertificationResults query, CancellationToken ct)
    {
        await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        var ids = await db.QueryAsync<Guid>("SELECT id FROM certification.placement WHERE unit_id = @UnitId AND business_year = @BusinessYear ORDER BY id",
            query, ct);
        return await reader.ResultsAsync(ids, ct);
    }
}

/// <summary>
/// The months of a set of placements summed (the home page needs twelve figures): one query reads each placement's unit and month
/// masks — one row a placement, not twelve (through the <c>month_result</c> view PostgreSQL repeated every placement's index lookup
/// for each month) — the units are checked, and the masks are summed here with the reviewer's decisions overriding them by
/// <see cref="ResultComposer"/>'s rule (granted: the certificate's weight, at least 1; refused: 0).
/// </summary>
internal sealed class GetMonthTotalsHandler(IDbSession db, PlacementAccess access) : IQueryHandler<GetMonthTotals, IReadOnlyList<MonthTotalDto>>
{
    public async ValueTask<IReadOnlyList<MonthTotalDto>> Handle(GetMonthTotals query, CancellationToken ct)
    {
        if (query.PlacementIds.Count == 0) return [];
        var rows = await db.QueryAsync<(Guid Id, Guid UnitId, int Qualifies, int Severe)>("""
            SELECT p.id, p.unit_id, m.qualifies, m.severe
            FROM certification.placement p JOIN certification.placement_months m ON m.placement_id = p.id
            WHERE p.id = ANY(@ids)
            """, new { ids = query.PlacementIds.Distinct().ToArray() }, ct);
        await access.CheckUnitsAsync(rows.Select(r => r.UnitId).Distinct(), ct);
        if (rows.Count == 0) return [];
        var decisions = query.Decisions.ToLookup(d => d.PlacementId);
        var person = new int[12];
        var plain = new int[12];
        var severe = new int[12];
        foreach (var r in rows)
        {
            var granted = 0;
            var refused = 0;
            foreach (var d in decisions[r.Id])
                if (d.Month is >= 1 and <= 12)
                {
                    if (d.Granted) granted |= 1 << (d.Month - 1);
                    else refused |= 1 << (d.Month - 1);
                }
            var counted = (r.Qualifies | granted) & ~refused & 0xFFF;
            for (var m = 0; m < 12; m++)
            {
                if ((counted >> m & 1) == 0) continue;
                if ((r.Severe >> m & 1) == 1) { person[m] += 2; severe[m]++; }
                else { person[m] += 1; plain[m]++; }
            }
        }
        return Enumerable.Range(0, 12).Select(m => new MonthTotalDto(m + 1, person[m], plain[m], severe[m])).ToList();
    }
}

internal sealed class ForgetPlacementHandler(IDbSession db, PlacementAccess access) : ICommandHandler<ForgetPlacement, bool>
{
    public async ValueTask<bool> Handle(ForgetPlacement command, CancellationToken ct)
    {
        if (await access.ForReadAsync(command.PlacementId, ct) is null) return false;
        return await db.ExecuteAsync("DELETE FROM certification.placement WHERE id = @PlacementId", command, ct) > 0;
    }
}

internal sealed class LockCertificationResultsHandler(IDbSession db, PlacementAccess access, ResultReader reader)
    : ICommandHandler<LockCertificationResults, IReadOnlyList<CertificationResultDto>>
{
    public async ValueTask<IReadOnlyList<CertificationResultDto>> Handle(LockCertificationResults command, CancellationToken ct)
    {
        var ids = command.PlacementIds.Distinct().ToArray();
        var units = await db.QueryAsync<Guid>("SELECT DISTINCT unit_id FROM certification.placement WHERE id = ANY(@ids)", new { ids }, ct);
        await access.CheckUnitsAsync(units, ct);
        await db.ExecuteAsync("""
            UPDATE certification.placement SET locked = true WHERE id = ANY(@ids) AND NOT locked;
            DELETE FROM certification.placement_dirty WHERE placement_id = ANY(@ids);
            """, new { ids }, ct);
        return await reader.ResultsAsync(ids, ct);
    }
}

internal sealed class GetVeteranLevelsHandler(IDbSession db, PlacementAccess access) : IQueryHandler<GetVeteranLevels, IReadOnlyDictionary<Guid, int>>
{
    public async ValueTask<IReadOnlyDictionary<Guid, int>> Handle(GetVeteranLevels query, CancellationToken ct)
    {
        var rows = await db.QueryAsync<(Guid Id, Guid UnitId, short Level)>("""
            SELECT p.id, p.unit_id, c.level
            FROM certification.placement p
            CROSS JOIN LATERAL (SELECT c.level FROM certification.certificate c WHERE c.id_hash = p.id_hash AND c.certificate_type = 'veteran'
                                ORDER BY c.issued_on DESC LIMIT 1) c
            WHERE p.id = ANY(@ids)
            """, new { ids = query.PlacementIds.ToArray() }, ct);
        await access.CheckUnitsAsync(rows.Select(r => r.UnitId), ct);
        return rows.ToDictionary(r => r.Id, r => (int)r.Level);
    }
}

internal sealed class GetEngineFactsHandler(IDbSession db, ICurrentUser user) : IQueryHandler<GetEngineFacts, IReadOnlyList<EngineFactsDto>>
{
    public async ValueTask<IReadOnlyList<EngineFactsDto>> Handle(GetEngineFacts query, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员可以核对数据一致性");
        var rows = await db.QueryAsync<FactsRow>("""
            SELECT p.id AS PlacementId, p.unit_id AS UnitId, p.business_year AS BusinessYear, p.id_hash AS IdHash, p.employment_start AS EmploymentStart,
                   p.employment_end AS EmploymentEnd, p.contract_type AS ContractType, p.contract_start AS ContractStart, p.contract_end AS ContractEnd,
                   p.monthly_wage AS MonthlyWage, p.retirement_base50 AS RetirementBase50, p.locked AS Locked, m.placement_id IS NOT NULL AS HasResult,
                   coalesce(bit_count(m.qualifies::bit(12)), 0)::int AS QualifyingMonths,
                   coalesce(bit_count(m.qualifies::bit(12)) + bit_count((m.qualifies & m.severe)::bit(12)), 0)::int AS PersonMonths,
                   coalesce(m.via_related_unit <> 0, false) AS HasFlags, coalesce(m.version, 0) AS ResultVersion
            FROM certification.placement p LEFT JOIN certification.placement_months m ON m.placement_id = p.id
            WHERE p.id > @After ORDER BY p.id LIMIT @Limit
            """, query, ct);
        return rows.Select(r => new EngineFactsDto(r.PlacementId, r.UnitId, r.BusinessYear, Convert.ToBase64String(r.IdHash), r.EmploymentStart, r.EmploymentEnd,
            r.ContractType, r.ContractStart, r.ContractEnd, r.MonthlyWage, r.RetirementBase50, r.Locked, r.HasResult, r.QualifyingMonths, r.PersonMonths,
            r.HasFlags, r.ResultVersion)).ToList();
    }

    private sealed record FactsRow
    {
        public Guid PlacementId { get; init; }
        public Guid UnitId { get; init; }
        public int BusinessYear { get; init; }
        public byte[] IdHash { get; init; } = null!;
        public DateOnly EmploymentStart { get; init; }
        public DateOnly? EmploymentEnd { get; init; }
        public string ContractType { get; init; } = null!;
        public DateOnly ContractStart { get; init; }
        public DateOnly? ContractEnd { get; init; }
        public decimal MonthlyWage { get; init; }
        public bool RetirementBase50 { get; init; }
        public bool Locked { get; init; }
        public bool HasResult { get; init; }
        public int QualifyingMonths { get; init; }
        public int PersonMonths { get; init; }
        public bool HasFlags { get; init; }
        public long ResultVersion { get; init; }
    }
}

internal sealed class LookupCertificateHandler(IDbSession db, IPersonalDataProtector protector, TimeProvider clock)
    : IQueryHandler<LookupCertificate, CertificateInfoDto?>
{
    public async ValueTask<CertificateInfoDto?> Handle(LookupCertificate query, CancellationToken ct)
    {
        if (Identifiers.CheckIdNumber(query.IdNumber, ChinaTime.Today(clock)) is { } error) throw new InputException("IdNumber", error);
        var hash = protector.BlindIndex(Identifiers.NormalizeIdNumber(query.IdNumber));
        var yearStart = new DateOnly(query.BusinessYear, 1, 1);
        var yearEnd = new DateOnly(query.BusinessYear, 12, 31);
        // Prefer a certificate in force during the year, then the latest issued.
        var row = await db.QuerySingleOrDefaultAsync<CertRow>("""
            SELECT certificate_type AS Type, certificate_number_enc AS NumberEnc, category, level, issued_on AS IssuedOn, valid_until AS ValidUntil
            FROM certification.certificate
            WHERE id_hash = @hash
            ORDER BY (issued_on <= @yearEnd AND coalesce(least(valid_until, revoked_on - 1), 'infinity'::date) >= @yearStart) DESC, issued_on DESC
            LIMIT 1
            """, new { hash, yearStart, yearEnd }, ct);
        return row is { } r ? new CertificateInfoDto(r.Type, protector.Decrypt(r.NumberEnc), r.Category, r.Level, r.IssuedOn, r.ValidUntil) : null;
    }

    private sealed record CertRow(string Type, byte[] NumberEnc, short? Category, short Level, DateOnly IssuedOn, DateOnly? ValidUntil);
}

internal sealed class GetExpiringCertificatesHandler(IDbSession db, ISender sender, ICurrentUser user)
    : IQueryHandler<GetExpiringCertificates, IReadOnlyList<ExpiringCertificateDto>>
{
    public async ValueTask<IReadOnlyList<ExpiringCertificateDto>> Handle(GetExpiringCertificates query, CancellationToken ct)
    {
        if (query.UnitId is { } unitId) await sender.Send(new CheckUnitAccess(unitId), ct);
        else if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员或系统可以查询全部单位的证件到期情况");
        // One unit's (the home page): its placements by index, not "@UnitId IS NULL OR …", which plans as a scan of every placement. The
        // end of each person's certificate cover is kept on the placement (migration 0006), not looked up per placement on every view.
        var filter = (query.UnitId is null ? "TRUE" : "p.unit_id = @UnitId") + (query.BusinessYear is null ? string.Empty : " AND p.business_year = @BusinessYear");
        return await db.QueryAsync<ExpiringCertificateDto>($"""
            SELECT p.id AS PlacementId, p.unit_id AS UnitId, p.business_year AS BusinessYear, p.cert_until AS ValidUntil
            FROM certification.placement p
            WHERE {filter}
              AND p.cert_until BETWEEN @From AND @To
            ORDER BY p.cert_until, p.id
            """, query, ct);
    }
}
