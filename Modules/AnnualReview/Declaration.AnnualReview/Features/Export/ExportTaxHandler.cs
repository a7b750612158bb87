using Declaration.BuildingBlocks.Csv;
using System.Globalization;
using System.Text;
using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.AnnualReview.Features.Export;

internal sealed record TaxRow(Guid UnitId, int BusinessYear, decimal CertifiedCount, string CertificateNumber, DateTimeOffset AcceptedAt);

/// <summary>
/// <c>export tax</c> (FORMATS.md): one row per unit whose year is Certified, ordered by credit code. Unit names and tax
/// authority codes come from Units (GetUnitsByIds, which also limits a reviewer to the jurisdiction).
/// </summary>
internal sealed class ExportTaxHandler(ISender sender, IDbSession db, ICurrentUser user) : IQueryHandler<ExportTax, long>
{
    public const string Header = "credit_code,unit_name,tax_authority_code,business_year,certified_count,certificate_number,certified_at";

    public async ValueTask<long> Handle(ExportTax query, CancellationToken ct)
    {
        if (!user.IsStaff()) throw new ForbiddenException("仅残联业务人员可以导出");
        var rows = await db.QueryAsync<TaxRow>("""
            SELECT y.unit_id AS UnitId, y.business_year AS BusinessYear, c.certified_count AS CertifiedCount, c.certificate_number AS CertificateNumber,
                   c.accepted_at AS AcceptedAt
            FROM annual_review.unit_year y JOIN annual_review.certificate c ON c.id = y.current_certificate_id
            WHERE y.business_year = @year AND y.state = 'Certified'
            """, new { year = query.BusinessYear }, ct);
        var units = new Dictionary<Guid, UnitDto>();
        foreach (var chunk in rows.Chunk(1000))
            foreach (var unit in await sender.Send(new GetUnitsByIds(chunk.Select(r => r.UnitId).ToList()), ct))
                units[unit.Id] = unit;
        var lines = rows.Where(r => units.ContainsKey(r.UnitId)).Select(r => (Unit: units[r.UnitId], Row: r))
            .OrderBy(x => x.Unit.CreditCode, StringComparer.Ordinal).ToList();
        await using (var writer = new CsvWriter(query.Output, query.ForSpreadsheet))
        {
            await writer.WriteRowAsync(Header.Split(','));
            foreach (var (unit, row) in lines)
                await writer.WriteRowAsync(unit.CreditCode, unit.Name, unit.TaxAuthorityCode, row.BusinessYear.ToString(CultureInfo.InvariantCulture),
                    row.CertifiedCount.ToString("0.00", CultureInfo.InvariantCulture), row.CertificateNumber,
                    ChinaTime.Local(row.AcceptedAt).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
        }
        return lines.Count;
    }
}
