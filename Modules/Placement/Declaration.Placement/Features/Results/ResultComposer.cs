using Declaration.BuildingBlocks.Data;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using Mediator;

namespace Declaration.Placement.Features.Results;

/// <summary>
/// A placement's months as the unit and the reviewer see them: Certification's automatic result (read through its Contracts)
/// overridden by our reviewer decisions (RULES.md §5: a granted month weighs its certificate cover, at least 1; a denied one 0).
/// </summary>
internal sealed class ResultComposer(IDbSession db, ISender sender)
{
    public async Task<PlacementResultDto?> ForPlacementAsync(Guid placementId, CancellationToken ct) =>
        await sender.Send(new GetCertificationResult(placementId), ct) is { } result ? (await ComposeAsync([result], ct))[0] : null;

    public async Task<IReadOnlyList<PlacementResultDto>> ComposeAsync(IReadOnlyList<CertificationResultDto> results, CancellationToken ct)
    {
        var decisions = results.Count == 0 ? [] : (await db.QueryAsync<DecisionRow>("""
            SELECT placement_id AS PlacementId, month, granted, comment FROM placement.month_decision WHERE placement_id = ANY(@ids)
            """, new { ids = results.Select(r => r.PlacementId).ToArray() }, ct)).ToDictionary(d => (d.PlacementId, (int)d.Month));
        return results.Select(r => new PlacementResultDto(r.PlacementId, r.UnitId, r.BusinessYear, r.Months.Select(m =>
        {
            var d = decisions.GetValueOrDefault((r.PlacementId, m.Month));
            return new ReviewedMonthDto(m.Month, m.Qualifies, m.Weight, m.Reasons, m.Flags, d?.Granted, d?.Comment, FinalWeight(m.Weight, m.CoverWeight, d?.Granted));
        }).ToList(), r.CertifiedAt)).ToList();
    }

    /// <summary>RULES.md §5: the automatic weight, overridden by a decision; a granted month without a covering certificate weighs 1.</summary>
    public static int FinalWeight(int weight, int coverWeight, bool? granted) => granted switch
    {
        null => weight,
        true => Math.Max(1, coverWeight),
        false => 0,
    };

    private sealed record DecisionRow
    {
        public Guid PlacementId { get; init; }
        public short Month { get; init; }
        public bool Granted { get; init; }
        public string Comment { get; init; } = null!;
    }
}
