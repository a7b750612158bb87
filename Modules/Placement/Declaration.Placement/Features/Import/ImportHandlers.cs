using System.Globalization;
using System.Text;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Errors;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Declaration.Units.Contracts;
using Mediator;
using MiniExcelLibs;

namespace Declaration.Placement.Features.Import;

/// <summary><c>import placements</c> (admin or system): all or nothing, idempotent, line-numbered errors.</summary>
internal sealed class ImportPlacementsHandler(PlacementImporter importer, ICurrentUser user) : ICommandHandler<ImportPlacements, ImportResult>
{
    public async ValueTask<ImportResult> Handle(ImportPlacements command, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员可导入安置人员数据");
        var (_, result) = await importer.RunAsync(command.Content, null, commit: true, ct);
        return result!;
    }
}

/// <summary>批量申报 by an employer: preview first (nothing saved), then the same file imported whole.</summary>
internal sealed class BulkDeclarationHandler(PlacementImporter importer, ISender sender, ICurrentUser user)
    : ICommandHandler<PreviewBulkDeclaration, BulkDeclarationPreview>, ICommandHandler<ConfirmBulkDeclaration, ImportResult>
{
    public async ValueTask<BulkDeclarationPreview> Handle(PreviewBulkDeclaration command, CancellationToken ct)
    {
        var unit = await sender.Send(new CheckUnitAccess(command.UnitId), ct);
        PlacementWriter.EnsureUnitActor(user);
        await using var csv = BulkFile.ToCsv(command.Content, command.FileName);
        var (preview, _) = await importer.RunAsync(csv, unit, commit: false, ct);
        return preview;
    }

    public async ValueTask<ImportResult> Handle(ConfirmBulkDeclaration command, CancellationToken ct)
    {
        var unit = await sender.Send(new CheckUnitAccess(command.UnitId), ct);
        PlacementWriter.EnsureUnitActor(user);
        await using var csv = BulkFile.ToCsv(command.Content, command.FileName);
        var (_, result) = await importer.RunAsync(csv, unit, commit: true, ct);
        return result!;
    }
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

/// <summary>The bulk-declaration file: the FORMATS.md <c>placements</c> columns, as CSV or an Excel sheet (row 1 = header).</summary>
internal static class BulkFile
{
    public static readonly string[] Columns = [.. PlacementImporter.Required.Take(4), "certificate_type", "certificate_number", "employment_start",
        "employment_end", "contract_type", "contract_start", "contract_end", "monthly_wage", "retirement_base", "phone"];

    private static readonly string[] Example = ["91330106MA2CDE0A1M", "2025", "330102199003072516", "张三", "disability", "33010219900307251642",
        "2025-01-01", "", "fixed", "2025-01-01", "2027-12-31", "5000", "", "13800000000"];

    public static MemoryStream CsvTemplate()
    {
        var text = "\uFEFF" + string.Join(',', Columns) + "\n" + string.Join(',', Example) + "\n";
        return new MemoryStream(Encoding.UTF8.GetBytes(text));
    }

    public static MemoryStream ExcelTemplate()
    {
        var row = new Dictionary<string, object?>();
        for (var i = 0; i < Columns.Length; i++) row[Columns[i]] = Example[i];
        var stream = new MemoryStream();
        MiniExcel.SaveAs(stream, new[] { row }, excelType: ExcelType.XLSX);
        stream.Position = 0;
        return stream;
    }

    /// <summary>An .xlsx file becomes the equivalent CSV (sheet row n = CSV line n); a CSV passes through. Excel dates become yyyy-MM-dd.</summary>
    public static Stream ToCsv(Stream content, string fileName)
    {
        if (!fileName.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase)) return new NonClosingStream(content);
        var buffer = new MemoryStream();
        content.CopyTo(buffer);
        buffer.Position = 0;
        if (buffer.Length < 4 || buffer.GetBuffer()[0] != 'P' || buffer.GetBuffer()[1] != 'K')
            throw new InputException("file", "文件不是有效的Excel（.xlsx）文件");
        var csv = new StringBuilder();
        var width = -1;
        try
        {
            foreach (IDictionary<string, object?> row in MiniExcel.Query(buffer, useHeaderRow: false, excelType: ExcelType.XLSX))
            {
                var cells = row.Values.Select(Cell).ToList();
                if (cells.All(c => c.Length == 0)) continue;
                if (width < 0)
                {
                    while (cells.Count > 0 && cells[^1].Length == 0) cells.RemoveAt(cells.Count - 1);
                    width = cells.Count;
                }
                while (cells.Count < width) cells.Add(string.Empty);
                if (cells.Count > width && cells.Skip(width).All(c => c.Length == 0)) cells.RemoveRange(width, cells.Count - width);
                csv.Append(string.Join(',', cells)).Append('\n');
            }
        }
        catch (Exception ex) when (ex is not AppException)
        {
            throw new InputException("file", "无法读取Excel文件，请使用下载的模板填写");
        }
        return new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString()));
    }

    private static string Cell(object? value)
    {
        var text = value switch
        {
            null => string.Empty,
            DateTime d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            double n => n.ToString("0.##", CultureInfo.InvariantCulture),
            decimal n => n.ToString("0.##", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? string.Empty,
        };
        return text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }

    /// <summary>The CSV reader disposes what it reads; the caller's upload stream stays theirs.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
