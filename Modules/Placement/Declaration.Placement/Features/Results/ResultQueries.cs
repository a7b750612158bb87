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
/// The confirmed placements' months summed: their ids with the reviewer's decisions in one query, the sums per month by Certification
/// in one more (its results overridden by those decisions, <see cref="ResultComposer.FinalWeight"/>'s rule in SQL).
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
        var decisions = rows.Where(r => r.Month is not null && r.Granted is not null).Select(r => new MonthDecisionInput(r.Id, r.Month!.Value, r.Granted!.Value)).ToList();
        var totals = await sender.Send(new GetMonthTotals(rows.Select(r => r.Id).Distinct().ToList(), decisions), ct);
        if (totals.Count == 0) return null;
        var perMonth = new int[12];
        foreach (var t in totals) perMonth[t.Month - 1] = t.PersonMonths;
        return new ConfirmedMonthsDto(perMonth, perMonth.Sum(), totals.Sum(t => t.PlainMonths), totals.Sum(t => t.SevereMonths));
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
