using Declaration.BuildingBlocks.Data;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.Placement.Features.Results;

internal sealed class GetPlacementResultHandler(PlacementStore store, ResultComposer composer) : IQueryHandler<GetPlacementResult, PlacementResultDto?>
{
    public async ValueTask<PlacementResultDto?> Handle(GetPlacementResult query, CancellationToken ct)
    {
        await store.LoadAsync(query.PlacementId, ct);
        return await composer.ForPlacementAsync(query.PlacementId, ct);
    }
}

internal sealed class GetPlacementResultsHandler(ISender sender, ResultComposer composer) : IQueryHandler<GetPlacementResults, IReadOnlyList<PlacementResultDto>>
{
    public async ValueTask<IReadOnlyList<PlacementResultDto>> Handle(GetPlacementResults query, CancellationToken ct)
    {
        var results = await sender.Send(new GetCertificationResults(query.UnitId, query.BusinessYear), ct);
        return await composer.ComposeAsync(results, ct);
    }
}

/// <summary>
/// The confirmed placements' months summed: their ids with the reviewer's decisions in one query, their automatic results from
/// Certification in one request; the final weight of each month as <see cref="ResultComposer.FinalWeight"/>.
/// </summary>
internal sealed class GetConfirmedMonthsHandler(IDbSession db, ISender sender) : IQueryHandler<GetConfirmedMonths, ConfirmedMonthsDto?>
{
    public async ValueTask<ConfirmedMonthsDto?> Handle(GetConfirmedMonths query, CancellationToken ct)
    {
        await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        var rows = await db.QueryAsync<(Guid Id, short? Month, bool? Granted)>("""
            SELECT p.id, d.month, d.granted FROM placement.placement p
            LEFT JOIN placement.month_decision d ON d.placement_id = p.id
            WHERE p.unit_id = @UnitId AND p.business_year = @BusinessYear AND p.state = 'Confirmed'
            """, query, ct);
        if (rows.Count == 0) return null;
        var decisions = rows.Where(r => r.Month is not null).ToDictionary(r => (r.Id, (int)r.Month!.Value), r => r.Granted);
        var results = await sender.Send(new GetCertificationResultsByIds(rows.Select(r => r.Id).Distinct().ToList()), ct);
        if (results.Count == 0) return null;
        var perMonth = new int[12];
        int plain = 0, severe = 0;
        foreach (var r in results)
            foreach (var m in r.Months.Where(m => m.Month is >= 1 and <= 12))
            {
                var weight = ResultComposer.FinalWeight(m.Weight, m.CoverWeight, decisions.GetValueOrDefault((r.PlacementId, m.Month)));
                perMonth[m.Month - 1] += weight;
                if (weight == 1) plain++;
                else if (weight >= 2) severe++;
            }
        return new ConfirmedMonthsDto(perMonth, perMonth.Sum(), plain, severe);
    }
}

/// <summary>
/// A unit-year's CertifiedCount (RULES.md §6): the confirmed placements' final person-months, frozen at confirmation, ÷ 12; with the
/// persons for the certificate (a veteran's level comes from the certificate registry, through Certification).
/// </summary>
internal sealed class GetCertifiedCountHandler(IDbSession db, ISender sender) : IQueryHandler<GetCertifiedCount, CertifiedCountDto>
{
    public async ValueTask<CertifiedCountDto> Handle(GetCertifiedCount query, CancellationToken ct)
    {
        await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        var rows = await db.QueryAsync<ConfirmedRow>("""
            SELECT id, id_number_masked AS MaskedId, name_masked AS MaskedName, certificate_type AS CertificateType, category, level,
                   coalesce(confirmed_qualifying_months, 0) AS Qualifying, coalesce(confirmed_person_months, 0) AS PersonMonths
            FROM placement.placement
            WHERE unit_id = @UnitId AND business_year = @BusinessYear AND state = 'Confirmed'
            ORDER BY id_number_masked, id
            """, query, ct);
        var veterans = rows.Where(r => r.CertificateType == CertificateTypes.Veteran).Select(r => r.Id).ToList();
        IReadOnlyDictionary<Guid, int> levels = veterans.Count == 0 ? new Dictionary<Guid, int>() : await sender.Send(new GetVeteranLevels(veterans), ct);
        var persons = rows.Select(r => new ConfirmedPersonDto(r.Id, r.MaskedId, r.MaskedName, r.CertificateType, r.Category,
            r.Level ?? (levels.TryGetValue(r.Id, out var l) ? l : null), r.Qualifying, r.PersonMonths)).ToList();
        return new CertifiedCountDto(query.UnitId, query.BusinessYear, persons.Sum(p => p.PersonMonths), persons);
    }

    private sealed record ConfirmedRow
    {
        public Guid Id { get; init; }
        public string MaskedId { get; init; } = null!;
        public string MaskedName { get; init; } = null!;
        public string CertificateType { get; init; } = null!;
        public int? Category { get; init; }
        public int? Level { get; init; }
        public int Qualifying { get; init; }
        public int PersonMonths { get; init; }
    }
}
