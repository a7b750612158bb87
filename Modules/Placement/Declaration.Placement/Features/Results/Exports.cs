using System.Globalization;
using System.Text;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using Mediator;

namespace Declaration.Placement.Features.Results;

/// <summary>
/// <c>export certification-results</c> (FORMATS.md): the automatic result, 12 rows a placement, ordered by credit_code, id_number,
/// month. IdNumbers are ours to decrypt, the results Certification's: unit by unit, so memory holds one unit at a time.
/// </summary>
internal sealed class ExportCertificationResultsHandler(IDbSession db, ICurrentUser user, IPersonalDataProtector protector, ISender sender)
    : IQueryHandler<ExportCertificationResults, long>
{
    public const string Header = "credit_code,business_year,id_number,month,qualifies,weight,reasons,flags";

    public async ValueTask<long> Handle(ExportCertificationResults query, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员可以导出认证结果");
        var writer = new StreamWriter(query.Output, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        await writer.WriteLineAsync(Header);
        var year = query.BusinessYear.ToString(CultureInfo.InvariantCulture);
        var units = await db.QueryAsync<(string CreditCode, Guid UnitId)>(
            "SELECT DISTINCT credit_code, unit_id FROM placement.placement WHERE business_year = @BusinessYear ORDER BY credit_code, unit_id", query, ct);
        long written = 0;
        foreach (var (creditCode, unitId) in units)
        {
            var people = await db.QueryAsync<(Guid Id, byte[] IdEnc)>(
                "SELECT id, id_number_enc FROM placement.placement WHERE unit_id = @unitId AND business_year = @BusinessYear", new { unitId, query.BusinessYear }, ct);
            var ids = people.ToDictionary(p => p.Id, p => protector.Decrypt(p.IdEnc));
            var results = await sender.Send(new GetCertificationResultsByIds(ids.Keys.ToArray()), ct);
            foreach (var r in results.OrderBy(r => ids[r.PlacementId], StringComparer.Ordinal))
                foreach (var m in r.Months)
                {
                    await writer.WriteLineAsync(string.Join(',', creditCode, year, ids[r.PlacementId], m.Month.ToString(CultureInfo.InvariantCulture),
                        m.Qualifies ? "1" : "0", m.Weight.ToString(CultureInfo.InvariantCulture),
                        string.Join('|', m.Reasons.Order(StringComparer.Ordinal)), string.Join('|', m.Flags.Order(StringComparer.Ordinal))));
                    written++;
                }
        }
        await writer.FlushAsync(ct);
        return written;
    }
}

/// <summary><c>export certified-counts</c> (FORMATS.md): one row per unit with confirmed placements, after review decisions.</summary>
internal sealed class ExportCertifiedCountsHandler(IDbSession db, ICurrentUser user) : IQueryHandler<ExportCertifiedCounts, long>
{
    public const string Header = "credit_code,business_year,person_months,certified_count";

    public async ValueTask<long> Handle(ExportCertifiedCounts query, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员可以导出认证人数");
        var rows = await db.QueryAsync<(string CreditCode, long PersonMonths)>("""
            SELECT credit_code, coalesce(sum(confirmed_person_months), 0)::bigint
            FROM placement.placement
            WHERE business_year = @BusinessYear AND state = 'Confirmed'
            GROUP BY credit_code ORDER BY credit_code
            """, new { query.BusinessYear }, ct);
        var writer = new StreamWriter(query.Output, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        await writer.WriteLineAsync(Header);
        foreach (var (creditCode, personMonths) in rows)
            await writer.WriteLineAsync(string.Join(',', creditCode, query.BusinessYear.ToString(CultureInfo.InvariantCulture),
                personMonths.ToString(CultureInfo.InvariantCulture),
                Math.Round(personMonths / 12m, 2, MidpointRounding.AwayFromZero).ToString("0.00", CultureInfo.InvariantCulture)));
        await writer.FlushAsync(ct);
        return rows.Count;
    }
}
