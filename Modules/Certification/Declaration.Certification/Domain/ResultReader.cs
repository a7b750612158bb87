using Declaration.BuildingBlocks.Data;
using Declaration.Certification.Contracts;

namespace Declaration.Certification.Domain;

/// <summary>What Certification holds of a placement: the engine's facts (no personal data but the blind index) and the lock.</summary>
internal sealed record PlacementRow
{
    public Guid Id { get; init; }
    public Guid UnitId { get; init; }
    public string CreditCode { get; init; } = null!;
    public int BusinessYear { get; init; }
    public bool Locked { get; init; }
}

internal sealed record MonthRow
{
    public Guid PlacementId { get; init; }
    public short Month { get; init; }
    public bool Qualifies { get; init; }
    public short Weight { get; init; }
    public short CoverWeight { get; init; }
    public string[] Reasons { get; init; } = null!;
    public string[] Flags { get; init; } = null!;
}

/// <summary>Reads stored automatic results.</summary>
internal sealed class ResultReader(IDbSession db)
{
    public Task<PlacementRow?> PlacementAsync(Guid id, CancellationToken ct, bool forUpdate = false) =>
        db.QuerySingleOrDefaultAsync<PlacementRow>($"""
            SELECT p.id, p.unit_id AS UnitId, p.credit_code AS CreditCode, p.business_year AS BusinessYear, p.locked
            FROM certification.placement p WHERE p.id = @id{(forUpdate ? " FOR UPDATE" : string.Empty)}
            """, new { id }, ct);

    public async Task<IReadOnlyList<CertificationResultDto>> ResultsAsync(IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        var heads = (await db.QueryAsync<ResultHead>("""
            SELECT p.id, p.unit_id AS UnitId, p.business_year AS BusinessYear, m.computed_at AS CertifiedAt, m.version
            FROM certification.placement p JOIN certification.placement_months m ON m.placement_id = p.id
            WHERE p.id = ANY(@ids)
            """, new { ids = ids.ToArray() }, ct)).ToDictionary(h => h.Id);
        var months = (await db.QueryAsync<MonthRow>("""
            SELECT r.placement_id AS PlacementId, r.month, r.qualifies, r.weight, r.cover_weight AS CoverWeight, r.reasons, r.flags
            FROM certification.month_result r
            WHERE r.placement_id = ANY(@ids) ORDER BY r.placement_id, r.month
            """, new { ids = ids.ToArray() }, ct)).ToLookup(m => m.PlacementId);
        var result = new List<CertificationResultDto>(ids.Count);
        foreach (var id in ids)
        {
            if (!heads.TryGetValue(id, out var h)) continue;
            result.Add(new CertificationResultDto(h.Id, h.UnitId, h.BusinessYear, months[id].Select(ToDto).ToList(), h.CertifiedAt, h.Version));
        }
        return result;
    }

    public async Task<CertificationResultDto?> ResultAsync(Guid id, CancellationToken ct) => (await ResultsAsync([id], ct)).FirstOrDefault();

    private static MonthResultDto ToDto(MonthRow m) => new(m.Month, m.Qualifies, m.Weight, m.CoverWeight, m.Reasons, m.Flags);

    private sealed record ResultHead
    {
        public Guid Id { get; init; }
        public Guid UnitId { get; init; }
        public int BusinessYear { get; init; }
        public DateTimeOffset CertifiedAt { get; init; }
        public long Version { get; init; }
    }
}
