using System.Text;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Errors;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.Extensions.Configuration;

namespace Declaration.Placement.Features.Import;

/// <summary><c>import placements</c> (admin or system): all or nothing, idempotent, line-numbered errors.</summary>
internal sealed class ImportPlacementsHandler(PlacementImporter importer, ICurrentUser user) : ICommandHandler<ImportPlacements, ImportResult>
{
    public async ValueTask<ImportResult> Handle(ImportPlacements command, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员可导入安置人员数据");
        var (_, result) = await importer.RunAsync(new ImportSource(command.Content), null, commit: true, ct);
        return result!;
    }
}

/// <summary>批量申报 by an employer: preview first (nothing saved), then the same file imported whole. CSV or .xlsx, within limits.</summary>
internal sealed class BulkDeclarationHandler(PlacementImporter importer, ISender sender, ICurrentUser user, IConfiguration configuration)
    : ICommandHandler<PreviewBulkDeclaration, BulkDeclarationPreview>, ICommandHandler<ConfirmBulkDeclaration, ImportResult>
{
    public async ValueTask<BulkDeclarationPreview> Handle(PreviewBulkDeclaration command, CancellationToken ct)
    {
        var unit = await sender.Send(new CheckUnitAccess(command.UnitId), ct);
        PlacementWriter.EnsureUnitActor(user);
        ImportSource source;
        try
        {
            source = Source(command.Content, command.FileName);
        }
        catch (InputException ex)
        {
            return new BulkDeclarationPreview([], [new ImportError(0, string.Empty, ex.Describe())], 1);
        }
        var (preview, _) = await importer.RunAsync(source, unit, commit: false, ct);
        return preview;
    }

    public async ValueTask<ImportResult> Handle(ConfirmBulkDeclaration command, CancellationToken ct)
    {
        var unit = await sender.Send(new CheckUnitAccess(command.UnitId), ct);
        PlacementWriter.EnsureUnitActor(user);
        var (_, result) = await importer.RunAsync(Source(command.Content, command.FileName), unit, commit: true, ct);
        return result!;
    }

    private ImportSource Source(Stream content, string fileName)
    {
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        if (extension is not (".xlsx" or ".csv" or ".xls"))
            throw new InputException("file", "请上传Excel（.xlsx）或CSV文件（可先下载模板填写）");
        var limits = BulkLimits(configuration);
        if (content.CanSeek && content.Length > limits.MaxFileBytes)
            throw new InputException("file", $"文件超过{limits.MaxFileBytes / 1024 / 1024} MB，请拆分后分批上传");
        return new ImportSource(content, fileName, limits);
    }

    /// <summary>Limits of a 批量申报 file (Declaration:Imports:Bulk*): upload size, unpacked size, rows and columns of a sheet.</summary>
    public static TableLimits BulkLimits(IConfiguration configuration) => new()
    {
        MaxFileBytes = configuration.GetValue("Declaration:Imports:BulkMaxBytes", 20L * 1024 * 1024),
        MaxUncompressedBytes = configuration.GetValue("Declaration:Imports:BulkMaxUncompressedBytes", 200L * 1024 * 1024),
        MaxRows = configuration.GetValue("Declaration:Imports:BulkMaxRows", 200_000L),
        MaxColumns = configuration.GetValue("Declaration:Imports:BulkMaxColumns", 40),
    };
}

internal sealed class GetPlacementTemplateHandler : IQueryHandler<GetPlacementTemplate, FileDownload>
{
    public ValueTask<FileDownload> Handle(GetPlacementTemplate query, CancellationToken ct) => ValueTask.FromResult(query.Format switch
    {
        "csv" => new FileDownload("安置人员批量申报模板.csv", "text/csv; charset=utf-8", BulkFile.CsvTemplate()),
        "xlsx" => new FileDownload("安置人员批量申报模板.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", BulkFile.ExcelTemplate()),
        _ => throw new InputException("format", "模板格式应为 xlsx 或 csv"),
    });
}

/// <summary>
/// The bulk-declaration templates. CSV: the FORMATS.md <c>placements</c> columns and an example row. Excel: a sheet “批量申报” with
/// Chinese headers, the ID and certificate-number columns formatted as text (Excel never turns them into 3.30106E+17), date columns
/// as real dates, and the code columns as drop-down lists of Chinese labels (mapped to the FORMATS.md codes on import); a second
/// sheet “填写说明” explains every column with an example.
/// </summary>
internal static class BulkFile
{
    public static readonly string[] Columns = ["credit_code", "business_year", "id_number", "name", "certificate_type", "certificate_number", "employment_start",
        "employment_end", "contract_type", "contract_start", "contract_end", "monthly_wage", "retirement_base", "phone"];

    private static readonly string[] Example = ["91330106MA2CDE0A1M", "2025", "330102199003072516", "张三", "disability", "33010219900307251642",
        "2025-01-01", "", "fixed", "2025-01-01", "2027-12-31", "5000", "", "13800000000"];

    private const int FormattedRows = 5000;

    public static MemoryStream CsvTemplate()
    {
        var text = "\uFEFF" + string.Join(',', Columns) + "\n" + string.Join(',', Example) + "\n";
        return new MemoryStream(Encoding.UTF8.GetBytes(text));
    }

    private static (XlsxFormat Format, double Width, string Note) Shape(string column) => column switch
    {
        "credit_code" => (XlsxFormat.Text, 22, "18位统一社会信用代码（必填）"),
        "business_year" => (XlsxFormat.Integer, 10, "申报的业务年度，如 2025（必填）"),
        "id_number" => (XlsxFormat.Text, 22, "18位公民身份号码（必填；本列为文本格式，请直接输入，不要粘贴为数字）"),
        "name" => (XlsxFormat.Text, 10, "姓名（必填）"),
        "certificate_type" => (XlsxFormat.Text, 12, "从下拉列表选择；不填视为残疾人证"),
        "certificate_number" => (XlsxFormat.Text, 24, "残疾人证为20位（身份证号+类别+等级），残疾军人证按证件填写（必填；文本格式）"),
        "employment_start" or "contract_start" => (XlsxFormat.Date, 14, "日期，如 2025-01-01（必填）"),
        "employment_end" or "contract_end" => (XlsxFormat.Date, 14, "日期，如 2027-12-31；固定期限合同和劳务协议必填合同结束日期"),
        "contract_type" => (XlsxFormat.Text, 20, "从下拉列表选择（必填）"),
        "monthly_wage" => (XlsxFormat.Money, 12, "税前月工资，单位元，如 5000 或 4800.50（必填）"),
        "retirement_base" => (XlsxFormat.Text, 14, "从下拉列表选择；仅原法定退休年龄为50周岁的女职工选“50周岁”，可不填"),
        "phone" => (XlsxFormat.Text, 14, "联系电话（可不填）"),
        _ => (XlsxFormat.General, 14, ""),
    };

    public static MemoryStream ExcelTemplate()
    {
        var stream = new MemoryStream();
        var header = PlacementImporter.Spec.Columns.ToDictionary(c => c.Name);
        using (var writer = new XlsxWriter(stream))
        {
            var columns = Columns.Select(c => new XlsxColumn(header[c].Header!, Shape(c).Format, Shape(c).Width, Shape(c).Note)).ToList();
            IReadOnlyList<XlsxList> lists =
            [
                new(Array.IndexOf(Columns, "certificate_type"), [.. CertificateTypes.Labels.Values], "证件类型", "请选择：残疾人证或残疾军人证"),
                new(Array.IndexOf(Columns, "contract_type"), [.. ContractTypes.Labels.Values], "合同类型", "请从下拉列表选择合同类型"),
                new(Array.IndexOf(Columns, "retirement_base"), [.. PlacementImporter.RetirementLabels.Values], "退休年龄基准",
                    "男职工60周岁；女职工55周岁；原法定退休年龄为50周岁的女职工选50周岁"),
            ];
            writer.AddSheet(PlacementImporter.SheetName, columns, lists, FormattedRows);
            var help = writer.AddSheet("填写说明", [new XlsxColumn("列", XlsxFormat.Text, 22), new XlsxColumn("文件格式列名", XlsxFormat.Text, 20),
                new XlsxColumn("填写说明", XlsxFormat.Text, 80), new XlsxColumn("示例", XlsxFormat.Text, 26)]);
            for (var i = 0; i < Columns.Length; i++)
            {
                var example = Columns[i] switch
                {
                    "certificate_type" => CertificateTypes.Labels[Example[i]],
                    "contract_type" => ContractTypes.Labels[Example[i]],
                    _ => Example[i],
                };
                help.Row(header[Columns[i]].Header, Columns[i], Shape(Columns[i]).Note, example);
            }
            help.Row();
            help.Row("提示", "", "在“批量申报”工作表第2行起逐行填写，一行一人；表头保持在第1行，不要改动列名。也可上传列名为文件格式列名的CSV文件（UTF-8）。", "");
            help.Row("提示", "", "身份证号、证件号码列已设置为文本格式：请直接输入或“选择性粘贴→数值”到这些列，不要把它们改成数字格式，否则Excel会丢失末尾几位。", "");
        }
        stream.Position = 0;
        return stream;
    }
}
