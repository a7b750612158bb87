using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.Placement.Features.Results;

internal static class Workbook
{
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>A workbook written to a buffer (one sheet); cells are text or numbers, never formulas.</summary>
    public static MemoryStream Write(string sheet, IReadOnlyList<XlsxColumn> columns, Action<XlsxWriter.Sheet> rows)
    {
        var stream = new MemoryStream();
        using (var writer = new XlsxWriter(stream)) rows(writer.AddSheet(sheet, columns));
        stream.Position = 0;
        return stream;
    }
}

/// <summary>The employer's own placement list with results (masked personal data, as on the list page), access-checked and audited.</summary>
internal sealed class DownloadPlacementListHandler(IDbSession db, ISender sender, ICurrentUser user, IAuditLog audit)
    : IQueryHandler<DownloadPlacementList, FileDownload>
{
    public async ValueTask<FileDownload> Handle(DownloadPlacementList query, CancellationToken ct)
    {
        await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        var rows = await db.QueryAsync<ListRow>("""
            SELECT id_number_masked AS MaskedId, name_masked AS MaskedName, certificate_type AS CertificateType, category, level,
                   employment_start AS EmploymentStart, employment_end AS EmploymentEnd, contract_type AS ContractType, monthly_wage AS MonthlyWage,
                   state, qualifying_months AS QualifyingMonths, person_months AS PersonMonths, has_flags AS HasFlags,
                   confirmed_person_months AS ConfirmedPersonMonths
            FROM placement.placement WHERE unit_id = @UnitId AND business_year = @BusinessYear ORDER BY id_number_masked, id
            """, query, ct);
        var file = Workbook.Write("安置人员", [
            new("公民身份号码", XlsxFormat.Text, 22), new("姓名", XlsxFormat.Text, 10), new("证件类型", XlsxFormat.Text, 12), new("残疾类别", XlsxFormat.Integer, 10),
            new("残疾等级", XlsxFormat.Integer, 10), new("就业开始日期", XlsxFormat.Date, 14), new("就业结束日期", XlsxFormat.Date, 14),
            new("合同类型", XlsxFormat.Text, 20), new("月工资（元）", XlsxFormat.Money, 12), new("状态", XlsxFormat.Text, 12),
            new("自动认证符合月数", XlsxFormat.Integer, 16), new("自动认证折算人月数", XlsxFormat.Integer, 18), new("需人工审核", XlsxFormat.Text, 12),
            new("确认的人月数", XlsxFormat.Integer, 14),
        ], sheet =>
        {
            foreach (var r in rows)
                sheet.Row(r.MaskedId, r.MaskedName, CertificateTypes.Labels.GetValueOrDefault(r.CertificateType, r.CertificateType), r.Category, r.Level,
                    r.EmploymentStart, r.EmploymentEnd, ContractTypes.Labels.GetValueOrDefault(r.ContractType, r.ContractType), r.MonthlyWage,
                    PlacementStateLabels.Of(Enum.Parse<PlacementState>(r.State)), r.QualifyingMonths, r.PersonMonths, r.HasFlags ? "是" : "否",
                    r.ConfirmedPersonMonths);
        });
        await audit.RecordAsync(PlacementWriter.Module, "Download", $"placements-{query.BusinessYear}", query.UnitId, "下载安置人员名单", null,
            new { query.BusinessYear, Rows = rows.Count, by = user.UserName }, ct);
        return new FileDownload($"安置人员名单-{query.BusinessYear}.xlsx", Workbook.ContentType, file);
    }

    private sealed record ListRow
    {
        public string MaskedId { get; init; } = null!;
        public string MaskedName { get; init; } = null!;
        public string CertificateType { get; init; } = null!;
        public int? Category { get; init; }
        public int? Level { get; init; }
        public DateOnly EmploymentStart { get; init; }
        public DateOnly? EmploymentEnd { get; init; }
        public string ContractType { get; init; } = null!;
        public decimal MonthlyWage { get; init; }
        public string State { get; init; } = null!;
        public int QualifyingMonths { get; init; }
        public int PersonMonths { get; init; }
        public bool HasFlags { get; init; }
        public int? ConfirmedPersonMonths { get; init; }
    }
}

/// <summary>The reviewer's whole queue (their jurisdiction, through the queue query itself, page by page), audited.</summary>
internal sealed class DownloadReviewQueueHandler(ISender sender, ICurrentUser user, IAuditLog audit) : IQueryHandler<DownloadReviewQueue, FileDownload>
{
    public async ValueTask<FileDownload> Handle(DownloadReviewQueue query, CancellationToken ct)
    {
        if (!user.IsStaff()) throw new ForbiddenException("仅残联业务人员可以下载审核列表");
        var items = new List<ReviewQueueItemDto>();
        for (var page = 1; ; page++)
        {
            var result = await sender.Send(new GetReviewQueue(query.Kind, query.BusinessYear, null, page, 200), ct);
            items.AddRange(result.Items);
            if (page >= result.PageCount || result.Items.Count == 0) break;
        }
        var file = Workbook.Write("审核列表", [
            new("统一社会信用代码", XlsxFormat.Text, 22), new("单位名称", XlsxFormat.Text, 30), new("业务年度", XlsxFormat.Integer, 10),
            new("公民身份号码", XlsxFormat.Text, 22), new("姓名", XlsxFormat.Text, 10), new("状态", XlsxFormat.Text, 12),
            new("自动认证符合月数", XlsxFormat.Integer, 16), new("需人工审核", XlsxFormat.Text, 12), new("异议月份", XlsxFormat.Text, 16),
            new("提交时间", XlsxFormat.Text, 18),
        ], sheet =>
        {
            foreach (var i in items)
                sheet.Row(i.UnitCreditCode, i.UnitName, i.BusinessYear, i.MaskedIdNumber, i.MaskedName,
                    Enum.TryParse<PlacementState>(i.State, out var st) ? PlacementStateLabels.Of(st) : i.State, i.QualifyingMonths, i.HasFlags ? "是" : "否",
                    string.Join("、", i.DisputedMonths.Select(m => $"{m}月")), Declaration.BuildingBlocks.Domain.ChinaTime.Local(i.SubmittedAt).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        });
        await audit.RecordAsync(PlacementWriter.Module, "Download", "review-queue", null, "下载审核列表", null,
            new { Kind = query.Kind.ToString(), query.BusinessYear, Rows = items.Count, by = user.UserName }, ct);
        return new FileDownload($"审核列表{(query.BusinessYear is { } y ? "-" + y : "")}.xlsx", Workbook.ContentType, file);
    }
}
