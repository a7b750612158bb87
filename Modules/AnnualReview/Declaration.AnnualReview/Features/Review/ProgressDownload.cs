using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.AnnualReview.Features.Review;

/// <summary>The year's progress unit by unit (the caller's jurisdiction, from Units' list page by page), as an Excel workbook; audited.</summary>
internal sealed class DownloadAnnualProgressHandler(ISender sender, IDbSession db, ICurrentUser user, IAuditLog audit)
    : IQueryHandler<DownloadAnnualProgress, FileDownload>
{
    public async ValueTask<FileDownload> Handle(DownloadAnnualProgress query, CancellationToken ct)
    {
        if (!user.IsStaff()) throw new ForbiddenException("仅残联业务人员可以下载年审进度");
        var stream = new MemoryStream();
        long rows = 0;
        using (var writer = new XlsxWriter(stream))
        {
            var sheet = writer.AddSheet($"{query.BusinessYear}年度年审进度", [
                new XlsxColumn("统一社会信用代码", XlsxFormat.Text, 22), new XlsxColumn("单位名称", XlsxFormat.Text, 32),
                new XlsxColumn("主管残联代码", XlsxFormat.Text, 14), new XlsxColumn("年审状态", XlsxFormat.Text, 18),
                new XlsxColumn("认定安置人数", XlsxFormat.Money, 14), new XlsxColumn("确认书编号", XlsxFormat.Text, 24),
            ]);
            for (var page = 1; ; page++)
            {
                var units = await sender.Send(new GetUnitsInJurisdiction(null, page, 200), ct);
                var states = (await db.QueryAsync<(Guid UnitId, string State, decimal? Count, string? Number)>("""
                    SELECT y.unit_id, y.state, c.certified_count, c.certificate_number
                    FROM annual_review.unit_year y LEFT JOIN annual_review.certificate c ON c.id = y.current_certificate_id
                    WHERE y.business_year = @year AND y.unit_id = ANY(@ids)
                    """, new { year = query.BusinessYear, ids = units.Items.Select(u => u.Id).ToArray() }, ct)).ToDictionary(s => s.UnitId);
                foreach (var u in units.Items)
                {
                    var state = states.TryGetValue(u.Id, out var s) ? Enum.Parse<AnnualReviewState>(s.State) : AnnualReviewState.NotStarted;
                    sheet.Row(u.CreditCode, u.Name, u.FederationCode, AnnualReviewStateLabels.Of(state),
                        state == AnnualReviewState.Certified ? s.Count : null, state == AnnualReviewState.Certified ? s.Number : null);
                    rows++;
                }
                if (page >= units.PageCount || units.Items.Count == 0) break;
            }
        }
        stream.Position = 0;
        await audit.RecordAsync("AnnualReview", "Download", $"progress-{query.BusinessYear}", null, "下载年审进度", null,
            new { query.BusinessYear, Rows = rows, by = user.UserName }, ct);
        return new FileDownload($"年审进度-{query.BusinessYear}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", stream);
    }
}
