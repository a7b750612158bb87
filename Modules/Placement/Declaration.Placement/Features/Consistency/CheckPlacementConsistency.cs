using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using Mediator;

namespace Declaration.Placement.Features.Consistency;

/// <summary>
/// Walks every placement we own, in id order, beside what Certification holds of it (the engine's facts, the lock, the stored result)
/// and AnnualReview's projection of its state (both read through their Contracts, page by page, so memory stays flat at any size),
/// and lists every difference. Our projection of the result may lag Certification only while a CertificationResultChanged is on its
/// way; the check is meant to be run when deliveries are drained (the CLI reports pending deliveries beside it).
/// </summary>
internal sealed class CheckPlacementConsistencyHandler(IDbSession db, ISender sender, ICurrentUser user)
    : IQueryHandler<CheckPlacementConsistency, PlacementConsistencyReport>
{
    private const int Page = 5000;

    public async ValueTask<PlacementConsistencyReport> Handle(CheckPlacementConsistency query, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员可以核对数据一致性");
        var owned = new Cursor<OwnedRow>(after => db.QueryAsync<OwnedRow>($"""
            SELECT id AS PlacementId, unit_id AS UnitId, business_year AS BusinessYear, id_number_index AS IdIndex, employment_start AS EmploymentStart,
                   employment_end AS EmploymentEnd, contract_type AS ContractType, contract_start AS ContractStart, contract_end AS ContractEnd,
                   monthly_wage AS MonthlyWage, retirement_base_50 AS RetirementBase50, state, version, confirmed_person_months AS ConfirmedPersonMonths,
                   qualifying_months AS QualifyingMonths, person_months AS PersonMonths, has_flags AS HasFlags
            FROM placement.placement WHERE id > @after ORDER BY id LIMIT {Page}
            """, new { after }, ct), r => r.PlacementId);
        var engine = new Cursor<EngineFactsDto>(async after => await sender.Send(new GetEngineFacts(after, Page), ct), r => r.PlacementId);
        var projected = new Cursor<ProjectedPlacementStateDto>(async after => await sender.Send(new GetProjectedPlacementStates(after, Page), ct), r => r.PlacementId);

        var found = new List<Inconsistency>();
        long checkedCount = 0, count = 0;
        void Add(Guid id, Guid? unit, int? year, string where, string what)
        {
            count++;
            if (found.Count < query.Limit) found.Add(new Inconsistency(id, unit, year, where, what));
        }

        while (true)
        {
            var next = Min(await owned.PeekAsync(), await engine.PeekAsync(), await projected.PeekAsync());
            if (next is null) break;
            var id = next.Value;
            var p = await owned.TakeIfAsync(id);
            var c = await engine.TakeIfAsync(id);
            var a = await projected.TakeIfAsync(id);
            if (p is null)
            {
                if (c is not null) Add(id, c.UnitId, c.BusinessYear, "Certification", "认证模块保留了已删除人员的认证数据");
                if (a is not null && a.State != "Withdrawn") Add(id, a.UnitId, a.BusinessYear, "AnnualReview", $"年审模块记录的状态为“{a.State}”，但该人员已删除");
                continue;
            }
            checkedCount++;
            if (c is null) Add(id, p.UnitId, p.BusinessYear, "Certification", "认证模块没有该人员的认证数据");
            else
            {
                foreach (var what in FactDifferences(p, c)) Add(id, p.UnitId, p.BusinessYear, "Certification", what);
                if (c.Locked != (p.State == nameof(PlacementState.Confirmed)))
                    Add(id, p.UnitId, p.BusinessYear, "Certification", c.Locked ? "认证结果已锁定，但人员未确认" : "人员已确认，但认证结果未锁定");
                if (!c.HasResult) Add(id, p.UnitId, p.BusinessYear, "Certification", "没有认证结果");
                else if ((c.QualifyingMonths, c.PersonMonths, c.HasFlags) != (p.QualifyingMonths, p.PersonMonths, p.HasFlags))
                    Add(id, p.UnitId, p.BusinessYear, "Placement result projection",
                        $"安置模块记录的认证结果（{p.QualifyingMonths}个月/{p.PersonMonths}人月/{(p.HasFlags ? "有" : "无")}标记）与认证模块（{c.QualifyingMonths}个月/{c.PersonMonths}人月/{(c.HasFlags ? "有" : "无")}标记）不一致");
            }
            if (a is null) Add(id, p.UnitId, p.BusinessYear, "AnnualReview", "年审模块没有该人员的状态");
            else if (a.State != p.State)
                Add(id, p.UnitId, p.BusinessYear, "AnnualReview", $"年审模块记录的状态为“{a.State}”，安置模块为“{p.State}”");
            else if (p.State == nameof(PlacementState.Confirmed) && a.PersonMonths != p.ConfirmedPersonMonths)
                Add(id, p.UnitId, p.BusinessYear, "AnnualReview", $"年审模块记录的确认人月数为{a.PersonMonths}，安置模块为{p.ConfirmedPersonMonths}");
        }
        // The review queue's kept totals (migration 0005) against the placements they count.
        var counts = await db.QueryAsync<(string Federation, int Year, string State, bool Flags, long Kept, long Actual)>("""
            WITH actual AS (
                SELECT u.federation_code, p.business_year, p.state, p.has_flags, count(*) AS n
                FROM placement.placement p JOIN placement.unit u ON u.id = p.unit_id
                WHERE p.state IN ('AwaitingReview', 'Disputed') GROUP BY 1, 2, 3, 4
            )
            SELECT coalesce(k.federation_code, a.federation_code), coalesce(k.business_year, a.business_year), coalesce(k.state, a.state),
                   coalesce(k.has_flags, a.has_flags), coalesce(k.n, 0), coalesce(a.n, 0)
            FROM placement.queue_count k
            FULL JOIN actual a ON (a.federation_code, a.business_year, a.state, a.has_flags) = (k.federation_code, k.business_year, k.state, k.has_flags)
            WHERE coalesce(k.n, 0) <> coalesce(a.n, 0)
            """, null, ct);
        foreach (var k in counts)
            Add(Guid.Empty, null, k.Year, "Review queue counts",
                $"审核队列计数（残联{k.Federation}，{k.Year}年度，{PlacementStateLabels.Of(Enum.Parse<PlacementState>(k.State))}{(k.Flags ? "，有标记" : "")}）为{k.Kept}，实际为{k.Actual}");
        return new PlacementConsistencyReport(checkedCount, count, found);
    }

    private static IEnumerable<string> FactDifferences(OwnedRow p, EngineFactsDto c)
    {
        if (Convert.ToBase64String(p.IdIndex) != c.IdHash) yield return "认证模块的身份证号索引与申报不一致";
        if (p.UnitId != c.UnitId || p.BusinessYear != c.BusinessYear) yield return "认证模块的单位或年度与申报不一致";
        if ((p.EmploymentStart, p.EmploymentEnd) != (c.EmploymentStart, c.EmploymentEnd)) yield return "认证模块的就业期间与申报不一致";
        if ((p.ContractType, p.ContractStart, p.ContractEnd) != (c.ContractType, c.ContractStart, c.ContractEnd)) yield return "认证模块的合同信息与申报不一致";
        if (p.MonthlyWage != c.MonthlyWage) yield return "认证模块的月工资与申报不一致";
        if (p.RetirementBase50 != c.RetirementBase50) yield return "认证模块的退休年龄基准与申报不一致";
    }

    private static Guid? Min(params Guid?[] ids)
    {
        Guid? min = null;
        foreach (var id in ids)
            if (id is { } v && (min is null || v.CompareTo(min.Value) < 0)) min = v;
        return min;
    }

    /// <summary>A page-by-page reader of rows in id order (Guid.CompareTo orders as PostgreSQL orders uuid: field by field, unsigned).</summary>
    private sealed class Cursor<T>(Func<Guid, Task<IReadOnlyList<T>>> page, Func<T, Guid> idOf) where T : class
    {
        private IReadOnlyList<T> _rows = [];
        private int _index;
        private Guid _after = Guid.Empty;
        private bool _done;

        public async Task<Guid?> PeekAsync()
        {
            if (_index >= _rows.Count && !_done)
            {
                _rows = await page(_after);
                _index = 0;
                if (_rows.Count == 0) _done = true;
                else _after = idOf(_rows[^1]);
            }
            return _index < _rows.Count ? idOf(_rows[_index]) : null;
        }

        public async Task<T?> TakeIfAsync(Guid id)
        {
            if (await PeekAsync() is { } next && next == id) return _rows[_index++];
            return null;
        }
    }

    private sealed record OwnedRow
    {
        public Guid PlacementId { get; init; }
        public Guid UnitId { get; init; }
        public int BusinessYear { get; init; }
        public byte[] IdIndex { get; init; } = null!;
        public DateOnly EmploymentStart { get; init; }
        public DateOnly? EmploymentEnd { get; init; }
        public string ContractType { get; init; } = null!;
        public DateOnly ContractStart { get; init; }
        public DateOnly? ContractEnd { get; init; }
        public decimal MonthlyWage { get; init; }
        public bool RetirementBase50 { get; init; }
        public string State { get; init; } = null!;
        public int Version { get; init; }
        public int? ConfirmedPersonMonths { get; init; }
        public int QualifyingMonths { get; init; }
        public int PersonMonths { get; init; }
        public bool HasFlags { get; init; }
    }
}
