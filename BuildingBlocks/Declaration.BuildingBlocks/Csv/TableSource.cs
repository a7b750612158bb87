using System.Globalization;
using System.IO.Compression;
using System.Xml;
using Declaration.BuildingBlocks.Errors;
using nietras.SeparatedValues;

namespace Declaration.BuildingBlocks.Csv;

/// <summary>One cell of an import file as read: its text, and for a spreadsheet whether it held a number or a formula.</summary>
public readonly record struct SourceCell(string Text, bool IsNumber = false, bool IsFormula = false);

/// <summary>A data row of an import file: the line (CSV line or sheet row number) and its cells in header order.</summary>
public sealed record SourceRow(long Line, IReadOnlyList<SourceCell> Cells);

/// <summary>
/// An import file read as a table, streamed: the header (row 1), then one row at a time. A CSV file (FORMATS.md) or the first
/// worksheet of an .xlsx file (or the one named as preferred), read within <see cref="TableLimits"/>.
/// </summary>
public interface ITableSource : IDisposable
{
    IReadOnlyList<string> Header { get; }

    /// <summary>Where the table came from, for messages (e.g. the worksheet's name).</summary>
    string Description { get; }

    IEnumerable<SourceRow> Rows(ImportErrors errors, CancellationToken ct);
}

/// <summary>Bounds on what a spreadsheet may unpack to and hold: a zip bomb or a runaway sheet is refused, never read into memory.</summary>
public sealed record TableLimits
{
    public long MaxUncompressedBytes { get; init; } = 256L * 1024 * 1024;
    public long MaxRows { get; init; } = 250_000;
    public int MaxColumns { get; init; } = 64;

    /// <summary>How much of a non-seekable .xlsx stream may be buffered to open it (the upload limit applies before).</summary>
    public long MaxFileBytes { get; init; } = 64L * 1024 * 1024;

    public static TableLimits Default { get; } = new();
}

public static class TableSource
{
    /// <summary>Opens <paramref name="content"/> as an .xlsx workbook when its name says so (or it starts like a zip), else as CSV.</summary>
    public static ITableSource Open(Stream content, string? fileName, TableLimits? limits = null, string? preferredSheet = null)
    {
        if (fileName is not null && (fileName.EndsWith(".xls", StringComparison.OrdinalIgnoreCase) || fileName.EndsWith(".et", StringComparison.OrdinalIgnoreCase)))
            throw new InputException("file", "不支持旧版Excel（.xls）文件：请另存为 .xlsx 或 CSV（UTF-8）后上传");
        if (fileName is not null && fileName.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase))
            return XlsxTable.Open(content, limits ?? TableLimits.Default, preferredSheet);
        return new CsvTable(content);
    }
}

/// <summary>A FORMATS.md CSV file: UTF-8 with or without BOM, RFC 4180 quoting, header in line 1.</summary>
internal sealed class CsvTable : ITableSource
{
    private readonly SepReader _reader;

    public CsvTable(Stream content)
    {
        _reader = Sep.Reader(o => o with { Sep = new Sep(','), Unescape = true, DisableColCountCheck = true, HasHeader = true }).From(content);
        Header = _reader.Header.ColNames.Select((n, i) => (i == 0 ? n.TrimStart('\uFEFF') : n).Trim()).ToList();
    }

    public IReadOnlyList<string> Header { get; }
    public string Description => "CSV";

    public IEnumerable<SourceRow> Rows(ImportErrors errors, CancellationToken ct)
    {
        foreach (var row in _reader)
        {
            ct.ThrowIfCancellationRequested();
            var cells = new SourceCell[row.ColCount];
            for (var i = 0; i < cells.Length; i++) cells[i] = new SourceCell(row[i].ToString());
            yield return new SourceRow(row.LineNumberFrom, cells);
        }
    }

    public void Dispose() => _reader.Dispose();
}

/// <summary>
/// An .xlsx workbook read with a streaming XML reader: the parts' declared and actual unpacked sizes are bounded (a zip bomb is refused
/// with a clear error before it fills memory), rows and columns are bounded, formula cells are reported, numbers and dates keep their
/// kind (a date-formatted cell becomes yyyy-MM-dd; a number keeps the mark that it was one, so an ID typed into a number column is
/// explained instead of reported as a checksum error).
/// </summary>
internal sealed class XlsxTable : ITableSource
{
    private const string Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    private const string RelNs = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    private readonly ZipArchive _zip;
    private readonly Stream _buffer;
    private readonly TableLimits _limits;
    private readonly List<string> _shared = [];
    private readonly HashSet<int> _dateStyles = [];
    private readonly bool _date1904;
    private readonly string _sheetPath;
    private readonly string _sheetName;
    private long _unpacked;
    private IEnumerator<(long Line, List<SourceCell> Cells)>? _rows;

    private XlsxTable(Stream buffer, ZipArchive zip, TableLimits limits, string? preferredSheet)
    {
        _buffer = buffer;
        _zip = zip;
        _limits = limits;
        var declared = zip.Entries.Sum(e => e.Length);
        if (declared > limits.MaxUncompressedBytes) throw TooLarge();
        var sheets = ReadWorkbook(out _date1904);
        if (sheets.Count == 0) throw new InputException("file", "Excel文件中没有工作表");
        var chosen = sheets.FirstOrDefault(s => preferredSheet is not null && s.Name == preferredSheet);
        if (chosen.Path is null) chosen = sheets[0];
        (_sheetName, _sheetPath) = (chosen.Name, chosen.Path);
        ReadStyles();
        ReadSharedStrings();
        _rows = ReadRows().GetEnumerator();
        Header = [];
        while (_rows.MoveNext())
        {
            var (_, cells) = _rows.Current;
            if (cells.All(c => c.Text.Length == 0)) continue;
            while (cells.Count > 0 && cells[^1].Text.Length == 0) cells.RemoveAt(cells.Count - 1);
            Header = cells.Select(c => c.Text.Trim()).ToList();
            break;
        }
    }

    public static XlsxTable Open(Stream content, TableLimits limits, string? preferredSheet)
    {
        Stream buffer;
        if (content.CanSeek) buffer = content;
        else
        {
            var memory = new MemoryStream();
            var chunk = new byte[81920];
            int n;
            while ((n = content.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (memory.Length + n > limits.MaxFileBytes)
                    throw new InputException("file", $"Excel文件超过{limits.MaxFileBytes / 1024 / 1024} MB，请拆分后分批上传");
                memory.Write(chunk, 0, n);
            }
            memory.Position = 0;
            buffer = memory;
        }
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(buffer, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException)
        {
            throw new InputException("file", "文件不是有效的Excel（.xlsx）文件：请用Excel或WPS另存为“Excel工作簿（*.xlsx）”后上传");
        }
        try
        {
            return new XlsxTable(buffer, zip, limits, preferredSheet);
        }
        catch (Exception ex) when (ex is InvalidDataException or XmlException or FormatException)
        {
            zip.Dispose();
            throw new InputException("file", "无法读取Excel文件（文件已损坏或不是Excel工作簿）：请使用下载的模板填写后另存为 .xlsx");
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    public IReadOnlyList<string> Header { get; }
    public string Description => $"工作表“{_sheetName}”";

    private InputException TooLarge() =>
        new("file", $"Excel文件解压后超过{_limits.MaxUncompressedBytes / 1024 / 1024} MB（文件过大、已损坏或是恶意构造的压缩包），未导入任何数据：请拆分后分批上传");

    private XmlReader Part(string path)
    {
        var entry = _zip.GetEntry(path) ?? throw new InvalidDataException($"missing part {path}");
        if (entry.Length > _limits.MaxUncompressedBytes) throw TooLarge();
        var stream = new CountingStream(entry.Open(), n =>
        {
            _unpacked += n;
            if (_unpacked > _limits.MaxUncompressedBytes) throw TooLarge();
        });
        return XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreWhitespace = false, CloseInput = true });
    }

    private List<(string Name, string Path)> ReadWorkbook(out bool date1904)
    {
        date1904 = false;
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var rels = Part("xl/_rels/workbook.xml.rels"))
            while (rels.Read())
                if (rels.NodeType == XmlNodeType.Element && rels.LocalName == "Relationship" && rels.GetAttribute("Id") is { } id && rels.GetAttribute("Target") is { } target)
                    targets[id] = target.StartsWith('/') ? target.TrimStart('/') : "xl/" + target;
        var sheets = new List<(string, string)>();
        using var workbook = Part("xl/workbook.xml");
        while (workbook.Read())
        {
            if (workbook.NodeType != XmlNodeType.Element) continue;
            if (workbook.LocalName == "workbookPr") date1904 = workbook.GetAttribute("date1904") is "1" or "true";
            if (workbook.LocalName == "sheet" && workbook.GetAttribute("id", RelNs) is { } rid && targets.TryGetValue(rid, out var path))
                sheets.Add((workbook.GetAttribute("name") ?? "", path));
        }
        return sheets;
    }

    private void ReadStyles()
    {
        if (_zip.GetEntry("xl/styles.xml") is null) return;
        var custom = new Dictionary<int, string>();
        var xf = -1;
        var inCellXfs = false;
        using var styles = Part("xl/styles.xml");
        while (styles.Read())
        {
            if (styles.NodeType == XmlNodeType.EndElement && styles.LocalName == "cellXfs") inCellXfs = false;
            if (styles.NodeType != XmlNodeType.Element) continue;
            switch (styles.LocalName)
            {
                case "numFmt" when int.TryParse(styles.GetAttribute("numFmtId"), out var id):
                    custom[id] = styles.GetAttribute("formatCode") ?? "";
                    break;
                case "cellXfs":
                    inCellXfs = true;
                    break;
                case "xf" when inCellXfs:
                    xf++;
                    var fmt = int.TryParse(styles.GetAttribute("numFmtId"), out var f) ? f : 0;
                    if (IsDateFormat(fmt, custom.GetValueOrDefault(fmt))) _dateStyles.Add(xf);
                    break;
            }
        }
    }

    /// <summary>Built-in date formats (14–22, 27–36, 45–47, 50–58 in CJK locales) and custom codes with a day, month or year part.</summary>
    private static bool IsDateFormat(int id, string? code)
    {
        if (id is >= 14 and <= 17 or 22 or >= 27 and <= 36 or >= 50 and <= 58) return true;
        if (code is null) return false;
        var plain = new System.Text.StringBuilder();
        var quoted = false;
        var bracket = false;
        foreach (var ch in code)
        {
            if (ch == '"') quoted = !quoted;
            else if (!quoted && ch == '[') bracket = true;
            else if (!quoted && ch == ']') bracket = false;
            else if (!quoted && !bracket) plain.Append(char.ToLowerInvariant(ch));
        }
        var p = plain.ToString();
        return p.Contains('y') || p.Contains('d') || (p.Contains('m') && !p.Contains('h') && !p.Contains('s'));
    }

    private void ReadSharedStrings()
    {
        if (_zip.GetEntry("xl/sharedStrings.xml") is null) return;
        using var reader = Part("xl/sharedStrings.xml");
        var text = new System.Text.StringBuilder();
        var inSi = false;
        var inRuby = 0;
        reader.Read();
        while (!reader.EOF)
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                if (reader.LocalName == "si")
                {
                    text.Clear();
                    if (reader.IsEmptyElement) _shared.Add(""); else inSi = true;
                }
                else if (reader.LocalName is "rPh" && !reader.IsEmptyElement) inRuby++;
                else if (reader.LocalName == "t" && inSi)
                {
                    var t = reader.ReadElementContentAsString();
                    if (inRuby == 0) text.Append(t);
                    continue;
                }
            }
            else if (reader.NodeType == XmlNodeType.EndElement)
            {
                if (reader.LocalName == "rPh") inRuby--;
                else if (reader.LocalName == "si") { _shared.Add(text.ToString()); inSi = false; }
            }
            reader.Read();
        }
    }

    private IEnumerable<(long Line, List<SourceCell> Cells)> ReadRows()
    {
        using var reader = Part(_sheetPath);
        long rowNumber = 0;
        long rows = 0;
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "row") continue;
            rowNumber = long.TryParse(reader.GetAttribute("r"), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : rowNumber + 1;
            if (++rows > _limits.MaxRows)
                throw new InputException("file", $"工作表行数超过{_limits.MaxRows:N0}行：请拆分后分批上传");
            var cells = new List<SourceCell>();
            if (reader.IsEmptyElement) { yield return (rowNumber, cells); continue; }
            var depth = reader.Depth;
            while (reader.Read() && !(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth))
            {
                if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "c") continue;
                var column = cells.Count;
                if (reader.GetAttribute("r") is { } reference) column = ColumnIndex(reference);
                if (column >= _limits.MaxColumns)
                    throw new InputException("file", $"工作表第{rowNumber}行的数据超出了第{_limits.MaxColumns}列：请只保留模板中的列");
                var cell = ReadCell(reader);
                if (cell.Text.Length == 0 && !cell.IsFormula) continue;
                while (cells.Count < column) cells.Add(new SourceCell(""));
                if (cells.Count == column) cells.Add(cell); else cells[column] = cell;
            }
            yield return (rowNumber, cells);
        }
    }

    private SourceCell ReadCell(XmlReader reader)
    {
        var type = reader.GetAttribute("t");
        var style = int.TryParse(reader.GetAttribute("s"), out var s) ? s : 0;
        string? value = null;
        string? inline = null;
        var formula = false;
        if (!reader.IsEmptyElement)
        {
            var depth = reader.Depth;
            reader.Read();
            while (!reader.EOF && !(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth))
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "v") { value = reader.ReadElementContentAsString(); continue; }
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "t") { inline = (inline ?? "") + reader.ReadElementContentAsString(); continue; }
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "f") formula = true;
                reader.Read();
            }
        }
        switch (type)
        {
            case "s":
                var index = int.Parse(value ?? "-1", CultureInfo.InvariantCulture);
                return new SourceCell(index >= 0 && index < _shared.Count ? _shared[index] : "", IsFormula: formula);
            case "inlineStr":
                return new SourceCell(inline ?? "", IsFormula: formula);
            case "str" or "e":
                return new SourceCell(value ?? "", IsFormula: formula);
            case "b":
                return new SourceCell(value == "1" ? "1" : "0", IsFormula: formula);
            case "d":
                return new SourceCell(value is { Length: >= 10 } ? value[..10] : value ?? "", IsFormula: formula);
        }
        if (value is null) return new SourceCell("", IsFormula: formula);
        var number = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (_dateStyles.Contains(style) && number is > 0 and < 2958466)
        {
            var date = (_date1904 ? new DateTime(1904, 1, 1) : new DateTime(1899, 12, 30)).AddDays(Math.Floor(number));
            return new SourceCell(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), IsFormula: formula);
        }
        return new SourceCell(FormatNumber(number), IsNumber: true, IsFormula: formula);
    }

    /// <summary>A number as a clerk typed it (5000, 4800.5); a number too long for Excel's 15 digits as Excel shows it (3.30106E+17).</summary>
    public static string FormatNumber(double number) =>
        Math.Abs(number) >= 1e15 ? number.ToString("0.#####E+00", CultureInfo.InvariantCulture) : number.ToString("0.##########", CultureInfo.InvariantCulture);

    private static int ColumnIndex(string reference)
    {
        var index = 0;
        foreach (var ch in reference)
        {
            if (ch is < 'A' or > 'Z') break;
            index = index * 26 + (ch - 'A' + 1);
            if (index > 16384) break;
        }
        return index - 1;
    }

    public IEnumerable<SourceRow> Rows(ImportErrors errors, CancellationToken ct)
    {
        if (_rows is null) yield break;
        while (MoveNext())
        {
            ct.ThrowIfCancellationRequested();
            var (line, cells) = _rows.Current;
            if (cells.All(c => c.Text.Length == 0 && !c.IsFormula)) continue;
            yield return new SourceRow(line, cells);
        }
    }

    private bool MoveNext()
    {
        try
        {
            return _rows!.MoveNext();
        }
        catch (Exception ex) when (ex is InvalidDataException or XmlException or FormatException or OverflowException)
        {
            throw new InputException("file", "无法读取Excel文件（文件已损坏或不是Excel工作簿）：请使用下载的模板填写后另存为 .xlsx");
        }
    }

    public void Dispose()
    {
        _rows?.Dispose();
        _zip.Dispose();
        if (!ReferenceEquals(_buffer, null) && _buffer is MemoryStream) _buffer.Dispose();
    }

    /// <summary>Counts the bytes a part unpacks to, so a part that lies about its size is still stopped at the limit.</summary>
    private sealed class CountingStream(Stream inner, Action<int> onRead) : ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            onRead(n);
            return n;
        }

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            onRead(n);
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
