using Declaration.BuildingBlocks.Data;
using Declaration.Certification.Contracts;

namespace Declaration.Certification.Domain;

internal sealed record PlacementRow
{
    public Guid Id { get; init; }
    public Guid UnitId { get; init; }
    public string CreditCode { get; init; } = null!;
    public int BusinessYear { get; init; }
    public string MaskedId { get; init; } = null!;
    public string MaskedName { get; init; } = null!;
    public string State { get; init; } = null!;
    public int[] DisputedMonths { get; init; } = null!;
    public string? DisputeReason { get; init; }
    public string? ReturnReason { get; init; }
    public DateTimeOffset? SubmittedAt { get; init; }
    public DateTimeOffset? CertifiedAt { get; init; }
    public byte[] IdHash { get; init; } = null!;
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
    public bool? Granted { get; init; }
    public string? Comment { get; init; }
}

/// <summary>Reads stored results (automatic months overridden by the reviewer's decisions).</summary>
internal sealed class ResultReader(IDbSession db)
{
    public const string PlacementColumns = """
        p.id, p.unit_id AS UnitId, p.credit_code AS CreditCode, p.business_year AS BusinessYear, p.masked_id AS MaskedId,
        p.masked_name AS MaskedName, p.state, p.disputed_months AS DisputedMonths, p.dispute_reason AS DisputeReason,
        p.return_reason AS ReturnReason, p.submitted_at AS SubmittedAt, (SELECT m.computed_at FROM certification.placement_months m WHERE m.placement_id = p.id) AS CertifiedAt, p.id_hash AS IdHash
        """;

    public Task<PlacementRow?> PlacementAsync(Guid id, CancellationToken ct, bool forUpdate = false) =>
        db.QuerySingleOrDefaultAsync<PlacementRow>(
            $"SELECT {PlacementColumns} FROM certification.placement p WHERE p.id = @id{(forUpdate ? " FOR UPDATE" : string.Empty)}", new { id }, ct);

    public async Task<IReadOnlyList<CertificationResultDto>> ResultsAsync(IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        var placements = await db.QueryAsync<PlacementRow>(
            $"SELECT {PlacementColumns} FROM certification.placement p WHERE p.id = ANY(@ids)", new { ids = ids.ToArray() }, ct);
        var months = (await db.QueryAsync<MonthRow>("""
            SELECT r.placement_id AS PlacementId, r.month, r.qualifies, r.weight, r.cover_weight AS CoverWeight, r.reasons, r.flags, d.granted, d.comment
            FROM certification.month_result r
            LEFT JOIN certification.month_decision d ON d.placement_id = r.placement_id AND d.month = r.month
            WHERE r.placement_id = ANY(@ids) ORDER BY r.placement_id, r.month
            """, new { ids = ids.ToArray() }, ct)).ToLookup(m => m.PlacementId);
        var byId = placements.ToDictionary(p => p.Id);
        var result = new List<CertificationResultDto>(ids.Count);
        foreach (var id in ids)
        {
            if (!byId.TryGetValue(id, out var p)) continue;
            result.Add(new CertificationResultDto(p.Id, p.UnitId, p.BusinessYear, months[id].Select(ToDto).ToList(), p.CertifiedAt ?? default));
        }
        return result;
    }

    public async Task<CertificationResultDto?> ResultAsync(Guid id, CancellationToken ct) => (await ResultsAsync([id], ct)).FirstOrDefault();

    public static MonthResultDto ToDto(MonthRow m) => new(m.Month, m.Qualifies, m.Weight, m.Reasons, m.Flags, m.Granted, m.Comment,
        FinalWeight(m.Weight, m.CoverWeight, m.Granted));

    /// <summary>RULES.md §5: the automatic weight, overridden by a decision; a granted month without a covering certificate weighs 1.</summary>
    public static int FinalWeight(int weight, int coverWeight, bool? granted) => granted switch
    {
        null => weight,
        true => Math.Max(1, coverWeight),
        false => 0,
    };

    /// <summary>SQL of the final weight of month_result r with decision d.</summary>
    public const string FinalWeightSql = "CASE WHEN d.granted IS NULL THEN r.weight WHEN d.granted THEN greatest(r.cover_weight, 1) ELSE 0 END";
}
