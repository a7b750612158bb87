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

internal sealed class GetCertificationResultHandler(ReviewAccess access, ResultReader reader) : IQueryHandler<GetCertificationResult, CertificationResultDto?>
{
    public async ValueTask<CertificationResultDto?> Handle(GetCertificationResult query, CancellationToken ct) =>
        await access.ForReadAsync(query.PlacementId, ct) is null ? null : await reader.ResultAsync(query.PlacementId, ct);
}

internal sealed class GetCertificationResultsHandler(IDbSession db, ISender sender, ResultReader reader)
    : IQueryHandler<GetCertificationResults, IReadOnlyList<CertificationResultDto>>
{
    public async ValueTask<IReadOnlyList<CertificationResultDto>> Handle(GetCertificationResults query, CancellationToken ct)
    {
        await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        var ids = await db.QueryAsync<Guid>("SELECT id FROM certification.placement WHERE unit_id = @UnitId AND business_year = @BusinessYear ORDER BY masked_id, id",
            query, ct);
        return await reader.ResultsAsync(ids, ct);
    }
}

internal sealed class ForgetPlacementHandler(IDbSession db, ReviewAccess access) : ICommandHandler<ForgetPlacement, bool>
{
    public async ValueTask<bool> Handle(ForgetPlacement command, CancellationToken ct)
    {
        if (await access.ForReadAsync(command.PlacementId, ct) is null) return false;
        return await db.ExecuteAsync("DELETE FROM certification.placement WHERE id = @PlacementId", command, ct) > 0;
    }
}

internal sealed class GetCertifiedCountHandler(IDbSession db, ISender sender, IPersonalDataProtector protector)
    : IQueryHandler<GetCertifiedCount, CertifiedCountDto>
{
    public async ValueTask<CertifiedCountDto> Handle(GetCertifiedCount query, CancellationToken ct)
    {
        await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        var rows = await db.QueryAsync<CountRow>($"""
            SELECT p.id, p.masked_id AS MaskedId, p.masked_name AS MaskedName, p.certificate_type AS CertificateType, p.certificate_number_enc AS NumberEnc,
                   (SELECT c.level FROM certification.certificate c WHERE c.id_hash = p.id_hash AND c.certificate_type = 'veteran'
                    ORDER BY c.issued_on DESC LIMIT 1) AS VeteranLevel,
                   count(*) FILTER (WHERE {ResultReader.FinalWeightSql} > 0)::int AS Qualifying,
                   coalesce(sum({ResultReader.FinalWeightSql}), 0)::int AS PersonMonths
            FROM certification.placement p
            JOIN certification.month_result r ON r.placement_id = p.id
            LEFT JOIN certification.month_decision d ON d.placement_id = r.placement_id AND d.month = r.month
            WHERE p.unit_id = @UnitId AND p.business_year = @BusinessYear AND p.state = 'Confirmed'
            GROUP BY p.id
            ORDER BY p.masked_id, p.id
            """, query, ct);
        var persons = rows.Select(r =>
        {
            int? category = null, level = r.VeteranLevel;
            if (r.CertificateType == "disability")
            {
                var number = protector.Decrypt(r.NumberEnc);
                if (number.Length == 20) { category = number[18] - '0'; level = number[19] - '0'; }
            }
            return new ConfirmedPersonDto(r.Id, r.MaskedId, r.MaskedName, r.CertificateType, category, level, r.Qualifying, r.PersonMonths);
        }).ToList();
        return new CertifiedCountDto(query.UnitId, query.BusinessYear, persons.Sum(p => p.PersonMonths), persons);
    }

    private sealed record CountRow(Guid Id, string MaskedId, string MaskedName, string CertificateType, byte[] NumberEnc, short? VeteranLevel,
        int Qualifying, int PersonMonths);
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
