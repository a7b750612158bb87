using Declaration.BuildingBlocks.Data;
using Declaration.LevyCalculator.Contracts;

namespace Declaration.LevyCalculator.Infrastructure;

/// <summary>Reads the parameter rows of schema <c>levy</c>.</summary>
internal sealed class ParameterStore(IDbSession db)
{
    public const string Columns = """
        id, business_year AS BusinessYear, region_code AS RegionCode, quota_ratio AS QuotaRatio, local_average_wage AS LocalAverageWage,
        cap_multiple AS CapMultiple, cap_from_year AS CapFromYear, exemption_threshold AS ExemptionThreshold,
        exemption_from_year AS ExemptionFromYear, exemption_to_year AS ExemptionToYear, tier_from_year AS TierFromYear,
        tier_to_year AS TierToYear, tier_ratio_threshold AS TierRatioThreshold, tier_share_at_or_above AS TierShareAtOrAbove,
        tier_share_below AS TierShareBelow, version, updated_at AS UpdatedAt, updated_by AS UpdatedBy
        """;

    /// <summary>The codes whose rows cover <paramref name="regionCode"/>, most specific first: the code, its city, its province.</summary>
    public static string[] Covering(string regionCode) =>
        new[] { regionCode, regionCode[..4] + "00", regionCode[..2] + "0000" }.Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>The most specific row of the year covering the region, or null.</summary>
    public async Task<LevyParameterDto?> FindAsync(int businessYear, string regionCode, CancellationToken ct)
    {
        var codes = Covering(regionCode);
        var rows = await db.QueryAsync<LevyParameterDto>(
            $"SELECT {Columns} FROM levy.parameter WHERE business_year = @businessYear AND region_code = ANY(@codes)",
            new { businessYear, codes }, ct);
        return rows.OrderBy(r => Array.IndexOf(codes, r.RegionCode)).FirstOrDefault();
    }

    /// <summary>The business years that have a row covering the region (any specificity).</summary>
    public Task<IReadOnlyList<int>> YearsCoveringAsync(string regionCode, CancellationToken ct) =>
        db.QueryAsync<int>("SELECT DISTINCT business_year FROM levy.parameter WHERE region_code = ANY(@codes) ORDER BY business_year",
            new { codes = Covering(regionCode) }, ct);

    public Task<LevyParameterDto?> GetAsync(int id, CancellationToken ct) =>
        db.QuerySingleOrDefaultAsync<LevyParameterDto>($"SELECT {Columns} FROM levy.parameter WHERE id = @id", new { id }, ct);

    public Task<IReadOnlyList<LevyParameterDto>> ListAsync(int? businessYear, CancellationToken ct) =>
        db.QueryAsync<LevyParameterDto>(
            $"SELECT {Columns} FROM levy.parameter WHERE @businessYear::int IS NULL OR business_year = @businessYear ORDER BY business_year DESC, region_code",
            new { businessYear }, ct);
}
