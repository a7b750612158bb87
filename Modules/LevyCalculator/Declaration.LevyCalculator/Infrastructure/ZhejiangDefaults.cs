using Declaration.BuildingBlocks.Data;

namespace Declaration.LevyCalculator.Infrastructure;

/// <summary>
/// Reference data (idempotent): the Zhejiang province row (330000) for business years 2015–2027. q = 1.5%; the small-enterprise
/// exemption (≤ 30 staff, enterprises only) from 2017; the reduction tiers (ratio ≥ 1% pays 50%, below pays 90%) for 2020–2027;
/// the wage-base cap at 2 × the local average wage from 2018 (财税〔2015〕72号's 3 × for 2015–2017). No local average wage is
/// invented: it stays empty until an administrator enters the published figure, and the calculator then says no cap applied.
/// Rows that already exist are left alone, so an administrator's edits survive restarts.
/// </summary>
internal sealed class ZhejiangDefaults : IModuleSeeder
{
    public const string Province = "330000";
    public const int FirstYear = 2015;
    public const int LastYear = 2027;

    public Task SeedAsync(IDbSession db, CancellationToken ct) =>
        db.ExecuteAsync("""
            INSERT INTO levy.parameter (business_year, region_code, quota_ratio, local_average_wage, cap_multiple, cap_from_year,
                exemption_threshold, exemption_from_year, exemption_to_year, tier_from_year, tier_to_year,
                tier_ratio_threshold, tier_share_at_or_above, tier_share_below)
            SELECT y, @Province, 0.015, NULL,
                   CASE WHEN y >= 2018 THEN 2 ELSE 3 END, CASE WHEN y >= 2018 THEN 2018 ELSE 2015 END,
                   30, 2017, NULL, 2020, 2027, 0.01, 0.5, 0.9
            FROM generate_series(@FirstYear, @LastYear) AS y
            ON CONFLICT (business_year, region_code) DO NOTHING
            """, new { Province, FirstYear, LastYear }, ct);
}
