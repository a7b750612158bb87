using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;

namespace Declaration.BuildingBlocks.Csv;

/// <summary>How a column's cells are formatted (also the format of the blank cells a clerk types into).</summary>
public enum XlsxFormat
{
    General,
    /// <summary>Text ("@"): Excel keeps what is typed, so an 18-digit number never becomes 3.30106E+17.</summary>
    Text,
    /// <summary>A real date shown yyyy-mm-dd.</summary>
    Date,
    /// <summary>A number with two decimals.</summary>
    Money,
    Integer,
}

public sealed record XlsxColumn(string Header, XlsxFormat Format = XlsxFormat.General, double Width = 16, string? Comment = null);

/// <summary>An Excel drop-down list (data validation) over a column's data rows.</summary>
public sealed record XlsxList(int Column, IReadOnlyList<string> Items, string Title, string Prompt);

/// <summary>
/// Writes an .xlsx workbook row by row straight into the output stream (no whole-sheet buffer): sheets with a bold, frozen header,
/// per-column formats that also apply to the blank rows a clerk fills in (text, date, money), drop-down lists and date validation.
/// Cell texts are inline strings; nothing is ever evaluated, so a value beginning with "=" stays text.
/// </summary>
public sealed class XlsxWriter : IDisposable
{
    private const string Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    private readonly ZipArchive _zip;
    private readonly List<string> _sheets = [];
    private Sheet? _open;

    public XlsxWriter(Stream output) => _zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true, Encoding.UTF8);

    /// <summary>Starts a sheet (the previous one is finished). <paramref name="formattedRows"/>: how many data rows carry the formats and lists.</summary>
    public Sheet AddSheet(string name, IReadOnlyList<XlsxColumn> columns, IReadOnlyList<XlsxList>? lists = null, int formattedRows = 0)
    {
        _open?.Finish();
        _sheets.Add(name);
        _open = new Sheet(_zip.CreateEntry($"xl/worksheets/sheet{_sheets.Count}.xml", CompressionLevel.Fastest), columns, lists ?? [], formattedRows);
        return _open;
    }

    public void Dispose()
    {
        _open?.Finish();
        _open = null;
        Part("[Content_Types].xml", w =>
        {
            w.WriteStartElement("Types", "http://schemas.openxmlformats.org/package/2006/content-types");
            Default(w, "rels", "application/vnd.openxmlformats-package.relationships+xml");
            Default(w, "xml", "application/xml");
            Override(w, "/xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml");
            Override(w, "/xl/styles.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml");
            for (var i = 1; i <= _sheets.Count; i++)
                Override(w, $"/xl/worksheets/sheet{i}.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml");
            w.WriteEndElement();
        });
        Part("_rels/.rels", w => Relationships(w, [("rId1", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument", "xl/workbook.xml")]));
        Part("xl/_rels/workbook.xml.rels", w => Relationships(w,
            [.. _sheets.Select((_, i) => ($"rId{i + 1}", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet", $"worksheets/sheet{i + 1}.xml")),
             ($"rId{_sheets.Count + 1}", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles", "styles.xml")]));
        Part("xl/workbook.xml", w =>
        {
            w.WriteStartElement("workbook", Main);
            w.WriteAttributeString("xmlns", "r", null, "http://schemas.openxmlformats.org/officeDocument/2006/relationships");
            w.WriteStartElement("sheets", Main);
            for (var i = 0; i < _sheets.Count; i++)
            {
                w.WriteStartElement("sheet", Main);
                w.WriteAttributeString("name", _sheets[i]);
                w.WriteAttributeString("sheetId", (i + 1).ToString(CultureInfo.InvariantCulture));
                w.WriteAttributeString("id", "http://schemas.openxmlformats.org/officeDocument/2006/relationships", $"rId{i + 1}");
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.WriteEndElement();
        });
        using (var styles = _zip.CreateEntry("xl/styles.xml", CompressionLevel.Fastest).Open())
            styles.Write(Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n" + Styles));
        _zip.Dispose();
    }

    /// <summary>cellXfs: 0 general, 1 header (bold, grey), 2 text, 3 date, 4 money, 5 integer.</summary>
    private const string Styles = """
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
        <numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/></numFmts>
        <fonts count="2"><font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font><font><b/><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font></fonts>
        <fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FFD9E1F2"/><bgColor indexed="64"/></patternFill></fill></fills>
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
        <cellXfs count="6">
        <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
        <xf numFmtId="49" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyNumberFormat="1"/>
        <xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
        <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
        <xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
        <xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
        </cellXfs>
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
        </styleSheet>
        """;

    private static int StyleOf(XlsxFormat format) => format switch
    {
        XlsxFormat.Text => 2,
        XlsxFormat.Date => 3,
        XlsxFormat.Money => 4,
        XlsxFormat.Integer => 5,
        _ => 0,
    };

    private void Part(string path, Action<XmlWriter> write)
    {
        using var stream = _zip.CreateEntry(path, CompressionLevel.Fastest).Open();
        using var w = XmlWriter.Create(stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false) });
        w.WriteStartDocument(true);
        write(w);
        w.WriteEndDocument();
    }

    private static void Default(XmlWriter w, string extension, string type)
    {
        w.WriteStartElement("Default", "http://schemas.openxmlformats.org/package/2006/content-types");
        w.WriteAttributeString("Extension", extension);
        w.WriteAttributeString("ContentType", type);
        w.WriteEndElement();
    }

    private static void Override(XmlWriter w, string part, string type)
    {
        w.WriteStartElement("Override", "http://schemas.openxmlformats.org/package/2006/content-types");
        w.WriteAttributeString("PartName", part);
        w.WriteAttributeString("ContentType", type);
        w.WriteEndElement();
    }

    private static void Relationships(XmlWriter w, IEnumerable<(string Id, string Type, string Target)> rels)
    {
        const string ns = "http://schemas.openxmlformats.org/package/2006/relationships";
        w.WriteStartElement("Relationships", ns);
        foreach (var (id, type, target) in rels)
        {
            w.WriteStartElement("Relationship", ns);
            w.WriteAttributeString("Id", id);
            w.WriteAttributeString("Type", type);
            w.WriteAttributeString("Target", target);
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    public static string ColumnName(int index)
    {
        var name = string.Empty;
        for (var n = index + 1; n > 0; n = (n - 1) / 26) name = (char)('A' + (n - 1) % 26) + name;
        return name;
    }

    /// <summary>One worksheet being written: the header first, then <see cref="Row"/> per data row.</summary>
    public sealed class Sheet
    {
        private readonly Stream _stream;
        private readonly XmlWriter _w;
        private readonly IReadOnlyList<XlsxColumn> _columns;
        private readonly IReadOnlyList<XlsxList> _lists;
        private readonly int _formattedRows;
        private int _row;
        private bool _finished;

        internal Sheet(ZipArchiveEntry entry, IReadOnlyList<XlsxColumn> columns, IReadOnlyList<XlsxList> lists, int formattedRows)
        {
            _stream = entry.Open();
            _w = XmlWriter.Create(_stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false) });
            _columns = columns;
            _lists = lists;
            _formattedRows = formattedRows;
            _w.WriteStartDocument(true);
            _w.WriteStartElement("worksheet", Main);
            _w.WriteStartElement("sheetViews", Main);
            _w.WriteStartElement("sheetView", Main);
            _w.WriteAttributeString("workbookViewId", "0");
            _w.WriteStartElement("pane", Main);
            _w.WriteAttributeString("ySplit", "1");
            _w.WriteAttributeString("topLeftCell", "A2");
            _w.WriteAttributeString("activePane", "bottomLeft");
            _w.WriteAttributeString("state", "frozen");
            _w.WriteEndElement();
            _w.WriteEndElement();
            _w.WriteEndElement();
            _w.WriteStartElement("cols", Main);
            for (var i = 0; i < columns.Count; i++)
            {
                _w.WriteStartElement("col", Main);
                _w.WriteAttributeString("min", (i + 1).ToString(CultureInfo.InvariantCulture));
                _w.WriteAttributeString("max", (i + 1).ToString(CultureInfo.InvariantCulture));
                _w.WriteAttributeString("width", columns[i].Width.ToString(CultureInfo.InvariantCulture));
                _w.WriteAttributeString("style", StyleOf(columns[i].Format).ToString(CultureInfo.InvariantCulture));
                _w.WriteAttributeString("customWidth", "1");
                _w.WriteEndElement();
            }
            _w.WriteEndElement();
            _w.WriteStartElement("sheetData", Main);
            WriteRow(columns.Select(c => (object?)c.Header).ToArray(), header: true);
        }

        /// <summary>A data row: strings (kept as text), numbers, dates (DateOnly/DateTime/DateTimeOffset), booleans (1/0), null.</summary>
        public void Row(params object?[] cells) => WriteRow(cells, header: false);

        private void WriteRow(object?[] cells, bool header)
        {
            _row++;
            _w.WriteStartElement("row", Main);
            _w.WriteAttributeString("r", _row.ToString(CultureInfo.InvariantCulture));
            for (var i = 0; i < cells.Length; i++)
            {
                if (cells[i] is null) continue;
                var format = header ? XlsxFormat.Text : i < _columns.Count ? _columns[i].Format : XlsxFormat.General;
                _w.WriteStartElement("c", Main);
                _w.WriteAttributeString("r", ColumnName(i) + _row.ToString(CultureInfo.InvariantCulture));
                var style = header ? 1 : StyleOf(format);
                switch (cells[i])
                {
                    case DateOnly d:
                        Number((d.ToDateTime(TimeOnly.MinValue) - new DateTime(1899, 12, 30)).TotalDays, style == 0 ? 3 : style);
                        break;
                    case DateTime d:
                        Number((d.Date - new DateTime(1899, 12, 30)).TotalDays, style == 0 ? 3 : style);
                        break;
                    case DateTimeOffset d:
                        Text(d.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), style);
                        break;
                    case bool b:
                        Number(b ? 1 : 0, style);
                        break;
                    case int or long or decimal or double or short when format != XlsxFormat.Text:
                        Number(Convert.ToDouble(cells[i], CultureInfo.InvariantCulture), style);
                        break;
                    case IFormattable f:
                        Text(f.ToString(null, CultureInfo.InvariantCulture), style);
                        break;
                    default:
                        Text(cells[i]!.ToString() ?? string.Empty, style);
                        break;
                }
                _w.WriteEndElement();
            }
            _w.WriteEndElement();
        }

        private void Number(double value, int style)
        {
            if (style != 0) _w.WriteAttributeString("s", style.ToString(CultureInfo.InvariantCulture));
            _w.WriteElementString("v", Main, value.ToString("R", CultureInfo.InvariantCulture));
        }

        private void Text(string value, int style)
        {
            if (style != 0) _w.WriteAttributeString("s", style.ToString(CultureInfo.InvariantCulture));
            _w.WriteAttributeString("t", "inlineStr");
            _w.WriteStartElement("is", Main);
            _w.WriteStartElement("t", Main);
            if (value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])))
                _w.WriteAttributeString("xml", "space", null, "preserve");
            _w.WriteString(XmlSafe(value));
            _w.WriteEndElement();
            _w.WriteEndElement();
        }

        private static string XmlSafe(string value) =>
            value.Any(ch => ch < 0x20 && ch is not ('\t' or '\n' or '\r')) ? new string(value.Where(ch => ch >= 0x20 || ch is '\t' or '\n' or '\r').ToArray()) : value;

        internal void Finish()
        {
            if (_finished) return;
            _finished = true;
            _w.WriteEndElement(); // sheetData
            var last = Math.Max(_row, _formattedRows + 1).ToString(CultureInfo.InvariantCulture);
            var dates = _columns.Select((c, i) => (c, i)).Where(x => x.c.Format == XlsxFormat.Date).ToList();
            if (_lists.Count + dates.Count > 0)
            {
                _w.WriteStartElement("dataValidations", Main);
                _w.WriteAttributeString("count", (_lists.Count + dates.Count).ToString(CultureInfo.InvariantCulture));
                foreach (var list in _lists)
                {
                    _w.WriteStartElement("dataValidation", Main);
                    _w.WriteAttributeString("type", "list");
                    _w.WriteAttributeString("allowBlank", "1");
                    _w.WriteAttributeString("showInputMessage", "1");
                    _w.WriteAttributeString("showErrorMessage", "1");
                    _w.WriteAttributeString("errorTitle", list.Title);
                    _w.WriteAttributeString("error", $"请从下拉列表中选择：{string.Join("、", list.Items)}");
                    _w.WriteAttributeString("promptTitle", list.Title);
                    _w.WriteAttributeString("prompt", list.Prompt);
                    _w.WriteAttributeString("sqref", $"{ColumnName(list.Column)}2:{ColumnName(list.Column)}{last}");
                    _w.WriteElementString("formula1", Main, "\"" + string.Join(",", list.Items) + "\"");
                    _w.WriteEndElement();
                }
                foreach (var (column, i) in dates)
                {
                    _w.WriteStartElement("dataValidation", Main);
                    _w.WriteAttributeString("type", "date");
                    _w.WriteAttributeString("operator", "greaterThan");
                    _w.WriteAttributeString("allowBlank", "1");
                    _w.WriteAttributeString("showInputMessage", "1");
                    _w.WriteAttributeString("showErrorMessage", "1");
                    _w.WriteAttributeString("errorTitle", column.Header);
                    _w.WriteAttributeString("error", "请输入日期，例如 2025-01-01");
                    _w.WriteAttributeString("promptTitle", column.Header);
                    _w.WriteAttributeString("prompt", column.Comment ?? "日期，例如 2025-01-01");
                    _w.WriteAttributeString("sqref", $"{ColumnName(i)}2:{ColumnName(i)}{last}");
                    _w.WriteElementString("formula1", Main, "1");
                    _w.WriteEndElement();
                }
                _w.WriteEndElement();
            }
            _w.WriteEndElement(); // worksheet
            _w.WriteEndDocument();
            _w.Dispose();
            _stream.Dispose();
        }
    }
}
