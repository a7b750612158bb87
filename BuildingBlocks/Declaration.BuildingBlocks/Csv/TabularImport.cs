using System.Globalization;
using System.Text.RegularExpressions;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Npgsql;
using NpgsqlTypes;

namespace Declaration.BuildingBlocks.Csv;

/// <summary>
/// A column of an import kind: its FORMATS.md name, whether it is required, the header the Excel template gives it (accepted as
/// well), and whether it holds a long number that must stay text (an ID or certificate number: a spreadsheet number or the
/// scientific notation Excel writes for it, 3.30106E+17, is explained rather than parsed).
/// </summary>
public sealed record ImportColumn(string Name, bool Required, string? Header = null, bool KeepAsText = false);

/// <summary>The shape of one import kind: its columns and the staging table's column definitions (after <c>line bigint</c>).</summary>
public sealed class ImportSpec
{
    public required string Kind { get; init; }
    public required IReadOnlyList<ImportColumn> Columns { get; init; }

    /// <summary>SQL column definitions of the temporary staging table after <c>line bigint</c>, e.g. <c>credit_code text, name text</c>.</summary>
    public required string StagingColumns { get; init; }

    /// <summary>The temporary table the file is staged in (dropped at commit).</summary>
    public string Table => "import_" + Kind.Replace('-', '_');
}

/// <summary>Where an import file comes from and how it may be read.</summary>
public sealed record ImportSource(Stream Content, string? FileName = null, TableLimits? Limits = null, string? PreferredSheet = null);

/// <summary>Writes one staged row (COPY binary); the row's line number comes first.</summary>
public sealed class StagingWriter
{
    private readonly NpgsqlBinaryImporter _copy;

    internal StagingWriter(NpgsqlBinaryImporter copy) => _copy = copy;

    public long Written { get; private set; }

    public StagingWriter Row(long line)
    {
        _copy.StartRow();
        _copy.Write(line, NpgsqlDbType.Bigint);
        Written++;
        return this;
    }

    public StagingWriter Text(string? value) => Value(value, NpgsqlDbType.Text);
    public StagingWriter Bytes(byte[]? value) => Value(value, NpgsqlDbType.Bytea);
    public StagingWriter Int(int? value) => Value(value, NpgsqlDbType.Integer);
    public StagingWriter Short(int? value) => Value(value is { } v ? (short?)v : null, NpgsqlDbType.Smallint);
    public StagingWriter Date(DateOnly? value) => Value(value, NpgsqlDbType.Date);
    public StagingWriter Decimal(decimal? value) => Value(value, NpgsqlDbType.Numeric);
    public StagingWriter Bool(bool? value) => Value(value, NpgsqlDbType.Boolean);

    private StagingWriter Value<T>(T? value, NpgsqlDbType type)
    {
        if (value is null) _copy.WriteNull(); else _copy.Write(value, type);
        return this;
    }
}

/// <summary>A file staged whole in its temporary table: its counts, its errors so far, and the set-wise checks every kind shares.</summary>
public sealed class StagedImport
{
    private readonly IDbSession _db;

    internal StagedImport(IDbSession db, ImportSpec spec, long rows, string sha256, ImportErrors errors, ImportErrors warnings)
    {
        _db = db;
        Spec = spec;
        Rows = rows;
        Sha256 = sha256;
        Errors = errors;
        Warnings = warnings;
    }

    public ImportSpec Spec { get; }
    public string Table => Spec.Table;
    public long Rows { get; }
    public string Sha256 { get; }
    public ImportErrors Errors { get; }
    public ImportErrors Warnings { get; }

    /// <summary>Every row repeating an earlier row's natural key is an error naming the earlier line.</summary>
    public async Task DuplicatesAsync(string keyColumns, string column, Func<long, string> reason, CancellationToken ct)
    {
        var duplicates = await _db.QueryAsync<(long First, long[] Lines)>($"""
            SELECT min(line), (array_agg(line ORDER BY line))[2:101] FROM {Table} GROUP BY {keyColumns} HAVING count(*) > 1 ORDER BY min(line) LIMIT 100
            """, null, ct);
        foreach (var (first, lines) in duplicates)
            foreach (var line in lines) Errors.Add(line, column, reason(first));
    }

    /// <summary>Every staged row matching <paramref name="where"/> (over alias <c>i</c>) is an error (the first 100 lines are named).</summary>
    public Task ErrorsWhereAsync(string where, object? param, string column, string reason, CancellationToken ct) =>
        ErrorsWhereAsync(where, param, column, "NULL::text", _ => reason, ct);

    /// <summary>As above, the reason built from <paramref name="detailSql"/> (an expression over <c>i</c>, e.g. the credit code).</summary>
    public async Task ErrorsWhereAsync(string where, object? param, string column, string detailSql, Func<string?, string> reason, CancellationToken ct)
    {
        var lines = await _db.QueryAsync<(long Line, string? Detail)>($"SELECT line, ({detailSql})::text FROM {Table} i WHERE {where} ORDER BY line LIMIT 100", param, ct);
        foreach (var (line, detail) in lines) Errors.Add(line, column, reason(detail));
    }

    public void ThrowIfRejected() => Errors.ThrowIfAny();
}

/// <summary>
/// The one import path of FORMATS.md, shared by every kind (units, related units, the four linkage kinds, placements): the file (CSV,
/// or an .xlsx sheet within limits) is read as a stream and hashed on the way; the header is checked (unknown, repeated or missing
/// columns reject the file; the Excel template's Chinese headers are accepted too); each row is parsed by the kind, which records
/// line-numbered errors, and every good row is COPYed into a temporary table; the kind's set-wise checks follow (duplicates,
/// references); any error rejects the whole file with the first 100 errors named; otherwise the kind's upsert runs (idempotent on the
/// natural key) and the import history and audit entry are written in the same transaction.
/// </summary>
public sealed class TabularImport(IDbSession db, ImportHistory history, IAuditLog audit)
{
    /// <summary>Reads and stages the file. Rows with errors are not staged; the file's errors so far are in the result.</summary>
    public async Task<StagedImport> StageAsync(ImportSpec spec, ImportSource source, Action<CsvRow, StagingWriter> map, CancellationToken ct)
    {
        // A province's file runs far longer than an interactive statement may.
        db.UseLongCommandTimeout();
        var connection = await db.ConnectionAsync(ct);
        await db.ExecuteAsync($"DROP TABLE IF EXISTS {spec.Table}; CREATE TEMP TABLE {spec.Table} (line bigint, {spec.StagingColumns}) ON COMMIT DROP", null, ct);
        var errors = new ImportErrors();
        var warnings = new ImportErrors();
        var hashing = new HashingStream(source.Content);
        long rows = 0;
        using (var table = TableSource.Open(hashing, source.FileName, source.Limits, source.PreferredSheet))
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY {spec.Table} FROM STDIN (FORMAT BINARY)", ct))
        {
            var writer = new StagingWriter(copy);
            rows = TabularFile.Read(spec.Columns, table, errors, warnings, row => map(row, writer), ct);
            await copy.CompleteAsync(ct);
        }
        var sha = hashing.HexDigest();
        await db.ExecuteAsync($"ANALYZE {spec.Table}", null, ct);
        return new StagedImport(db, spec, rows, sha, errors, warnings);
    }

    /// <summary>
    /// Rejects the file if it has any error; else runs the kind's <paramref name="upsert"/> (inserted, updated) and records the
    /// import history and an audit entry, all in the caller's transaction.
    /// </summary>
    public async Task<ImportResult> CompleteAsync(StagedImport staged, Func<CancellationToken, Task<(long Inserted, long Updated)>> upsert,
        string module, string auditAction, CancellationToken ct, Func<ImportResult, object>? auditDetails = null)
    {
        staged.ThrowIfRejected();
        var (inserted, updated) = await upsert(ct);
        var result = new ImportResult(staged.Spec.Kind, staged.Rows, inserted, updated, staged.Sha256) { Warnings = staged.Warnings.Kept };
        await history.RecordAsync(result, ct);
        await audit.RecordAsync(module, "Import", result.Sha256, null, auditAction, null,
            auditDetails?.Invoke(result) ?? new { result.Rows, result.Inserted, result.Updated }, ct);
        return result;
    }

    /// <summary>The line numbers as text for messages.</summary>
    public static string Lines(IEnumerable<long> lines) => string.Join("、", lines.Select(l => l.ToString(CultureInfo.InvariantCulture)));
}

/// <summary>
/// Reads an import file's rows without a database (the staging of <see cref="TabularImport"/> and tests): the header checked against
/// the columns (FORMATS.md names or the template's headers), formula cells refused, long numbers that must stay text explained, then
/// each row handed to <c>onRow</c> with its line number. Returns the number of data rows.
/// </summary>
public static class TabularFile
{
    private static readonly Regex Scientific = new(@"^\d(\.\d+)?[eE]\+?\d+$", RegexOptions.Compiled | RegexOptions.CultureInvariant);

    public static long Read(IReadOnlyList<ImportColumn> columns, ITableSource table, ImportErrors errors, ImportErrors? warnings, Action<CsvRow> onRow,
        CancellationToken ct)
    {
        var row = new CsvRow(errors) { Warnings = warnings };
        var width = MapHeader(columns, table, row, errors);
        errors.ThrowIfAny();
        var keepAsText = columns.Where(c => c.KeepAsText && row.Index.ContainsKey(c.Name)).Select(c => (c.Name, Index: row.Index[c.Name], Label: errors.Label(c.Name))).ToList();
        row.Values = new string[width];
        row.Numbers = new bool[width];
        long rows = 0;
        foreach (var source in table.Rows(errors, ct))
        {
            rows++;
            row.Line = source.Line;
            row.ErrorCountAtStart = (int)Math.Min(int.MaxValue, errors.Count);
            row.Refused.Clear();
            var cells = source.Cells;
            if ((cells.Count > width && Enumerable.Range(width, cells.Count - width).Any(i => cells[i].Text.Trim().Length > 0))
                || (cells.Count != width && table is CsvTable))
            {
                errors.Add(row.Line, string.Empty, $"列数为{cells.Count}，与表头的{width}列不一致");
                continue;
            }
            for (var i = 0; i < width; i++)
            {
                var cell = i < cells.Count ? cells[i] : default;
                row.Values[i] = cell.Text ?? string.Empty;
                row.Numbers[i] = cell.IsNumber;
                if (cell.IsFormula)
                    row.Error(NameAt(row, i), "单元格是公式，不能导入公式：请复制该列后用“选择性粘贴→数值”粘贴回去，或直接填写内容");
            }
            foreach (var (name, index, label) in keepAsText)
                if (!row.Refused.Contains(name) && (row.Numbers[index] || Scientific.IsMatch(row.Values[index].Trim())))
                    row.Error(name, $"“{label}”被Excel当作数字保存（显示为 {row.Values[index].Trim()}），超过15位的数字末尾几位已丢失，无法核对：" +
                                    "请把该列设置为“文本”格式后重新输入号码（或在号码前加英文单引号 '），不要直接粘贴数字");
            onRow(row);
        }
        return rows;
    }

    /// <summary>Checks the header against the kind's columns; returns its width.</summary>
    private static int MapHeader(IReadOnlyList<ImportColumn> columns, ITableSource table, CsvRow row, ImportErrors errors)
    {
        var byName = new Dictionary<string, ImportColumn>(StringComparer.Ordinal);
        foreach (var c in columns)
        {
            byName[c.Name] = c;
            if (c.Header is { } h) byName[h] = c;
        }
        var header = table.Header;
        var known = 0;
        for (var i = 0; i < header.Count; i++)
        {
            var name = header[i].Trim().TrimEnd('*', '＊').Trim();
            if (name.Length == 0 && table is not CsvTable) continue;
            if (!byName.TryGetValue(name, out var column)) errors.Add(1, name, "未知的列");
            else if (!row.Index.TryAdd(column.Name, i)) errors.Add(1, name, "列重复");
            else
            {
                known++;
                if (!string.Equals(name, column.Name, StringComparison.Ordinal)) errors.Labels[column.Name] = name;
            }
        }
        var templateHeaders = errors.Labels.Count > 0;
        foreach (var c in columns.Where(c => c.Required && !row.Index.ContainsKey(c.Name)))
            errors.Add(1, templateHeaders ? c.Header ?? c.Name : c.Name, "缺少必需的列");
        if (known == 0 && header.Count > 0)
            throw new ImportRejectedException([new ImportError(1, string.Empty,
                $"{table.Description}的第1行不是导入文件的表头（应为 {string.Join("、", columns.Where(c => c.Required).Select(c => c.Header ?? c.Name))} 等列）" +
                "：请在模板的第一个工作表中填写，表头保留在第1行")], 1);
        if (header.Count == 0) throw new ImportRejectedException([new ImportError(1, string.Empty, $"{table.Description}是空的：第1行应为表头")], 1);
        return header.Count;
    }

    private static string NameAt(CsvRow row, int index) => row.Index.FirstOrDefault(kv => kv.Value == index).Key ?? $"第{index + 1}列";

    /// <summary>A plain CSV file read with required and optional FORMATS.md column names.</summary>
    public static long ReadCsv(Stream content, IReadOnlyCollection<string> required, IReadOnlyCollection<string> optional, ImportErrors errors,
        Action<CsvRow> onRow, CancellationToken ct)
    {
        using var table = TableSource.Open(content, null);
        return Read([.. required.Select(r => new ImportColumn(r, true)), .. optional.Select(o => new ImportColumn(o, false))], table, errors, null, onRow, ct);
    }
}
