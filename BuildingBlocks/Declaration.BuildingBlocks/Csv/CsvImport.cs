using System.Globalization;
using Declaration.BuildingBlocks.Errors;
using nietras.SeparatedValues;

namespace Declaration.BuildingBlocks.Csv;

/// <summary>One bad cell or row of an import file.</summary>
public sealed record ImportError(long Line, string Column, string Reason)
{
    public override string ToString() => Column.Length == 0 ? $"第{Line}行：{Reason}" : $"第{Line}行，列 {Column}：{Reason}";
}

/// <summary>A file rejected whole: nothing was written. Holds the first 100 errors and the total.</summary>
public sealed class ImportRejectedException(IReadOnlyList<ImportError> errors, long total)
    : AppException($"文件被整体拒绝（共{total}处错误，未写入任何数据）")
{
    public IReadOnlyList<ImportError> Errors { get; } = errors;
    public long Total { get; } = total;
    public override int StatusCode => 400;
}

/// <summary>Collects errors, keeping the first 100 and counting the rest.</summary>
public sealed class ImportErrors
{
    private readonly List<ImportError> _kept = [];
    public long Count { get; private set; }
    public IReadOnlyList<ImportError> Kept => _kept;

    public void Add(long line, string column, string reason)
    {
        Count++;
        if (_kept.Count < 100) _kept.Add(new ImportError(line, column, reason));
    }

    public void ThrowIfAny()
    {
        if (Count > 0) throw new ImportRejectedException(_kept.OrderBy(e => e.Line).ToList(), Count);
    }
}

/// <summary>A row of a CSV file: values by column name, the line it starts on, and typed parsers that record errors.</summary>
public sealed class CsvRow(ImportErrors errors)
{
    internal Dictionary<string, int> Index = new(StringComparer.Ordinal);
    internal string[] Values = [];
    public long Line { get; internal set; }
    public int ErrorCountAtStart { get; internal set; }
    public bool HasErrors => errors.Count > ErrorCountAtStart;

    public string? Get(string column)
    {
        if (!Index.TryGetValue(column, out var i)) return null;
        var v = Values[i].Trim();
        return v.Length == 0 ? null : v;
    }

    public void Error(string column, string reason) => errors.Add(Line, column, reason);

    public string Required(string column)
    {
        var v = Get(column);
        if (v is null) Error(column, "必填，不能为空");
        return v ?? string.Empty;
    }

    public DateOnly? Date(string column, bool required)
    {
        var v = required ? Required(column) : Get(column);
        if (string.IsNullOrEmpty(v)) return null;
        if (DateOnly.TryParseExact(v, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        Error(column, $"日期“{v}”格式应为 yyyy-MM-dd");
        return null;
    }

    public DateOnly? Month(string column)
    {
        var v = Required(column);
        if (v.Length == 0) return null;
        if (DateOnly.TryParseExact(v + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        Error(column, $"月份“{v}”格式应为 yyyy-MM");
        return null;
    }

    public decimal? Decimal(string column, bool required, decimal min = 0)
    {
        var v = required ? Required(column) : Get(column);
        if (string.IsNullOrEmpty(v)) return null;
        if (decimal.TryParse(v, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) && d >= min) return d;
        Error(column, $"数值“{v}”不合法（应为不小于{min}的数字，小数点用“.”）");
        return null;
    }

    public int? Int(string column, bool required, int min, int max)
    {
        var v = required ? Required(column) : Get(column);
        if (string.IsNullOrEmpty(v)) return null;
        if (int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i >= min && i <= max) return i;
        Error(column, $"“{v}”应为{min}–{max}的整数");
        return null;
    }

    public bool? Bool(string column)
    {
        var v = Required(column);
        if (v.Length == 0) return null;
        if (v is "1" or "0") return v == "1";
        Error(column, $"“{v}”应为1或0");
        return null;
    }

    public string? OneOf(string column, bool required, params string[] allowed)
    {
        var v = required ? Required(column) : Get(column);
        if (string.IsNullOrEmpty(v)) return null;
        if (allowed.Contains(v, StringComparer.Ordinal)) return v;
        Error(column, $"“{v}”不是允许的取值（{string.Join("、", allowed)}）");
        return null;
    }
}

/// <summary>Streams a CSV file of FORMATS.md: header checked (unknown or missing columns reject the file), rows handed out one at a time.</summary>
public static class CsvFile
{
    public static void Read(Stream stream, IReadOnlyCollection<string> required, IReadOnlyCollection<string> optional,
        ImportErrors errors, Action<CsvRow> onRow, CancellationToken ct)
    {
        using var reader = Sep.Reader(o => o with { Sep = new Sep(','), Unescape = true, DisableColCountCheck = true, HasHeader = true })
            .From(stream);
        var names = reader.Header.ColNames.Select((n, i) => (Name: (i == 0 ? n.TrimStart('\uFEFF') : n).Trim(), Index: i)).ToList();
        var row = new CsvRow(errors);
        foreach (var (name, index) in names)
        {
            if (!required.Contains(name) && !optional.Contains(name)) errors.Add(1, name, "未知的列");
            else if (!row.Index.TryAdd(name, index)) errors.Add(1, name, "列重复");
        }
        foreach (var name in required.Where(r => !row.Index.ContainsKey(r))) errors.Add(1, name, "缺少必需的列");
        if (errors.Count > 0) errors.ThrowIfAny();

        var width = names.Count;
        foreach (var sepRow in reader)
        {
            ct.ThrowIfCancellationRequested();
            row.Line = sepRow.LineNumberFrom;
            row.ErrorCountAtStart = (int)Math.Min(int.MaxValue, errors.Count);
            if (sepRow.ColCount != width)
            {
                errors.Add(row.Line, string.Empty, $"列数为{sepRow.ColCount}，与表头的{width}列不一致");
                continue;
            }
            if (row.Values.Length != width) row.Values = new string[width];
            for (var i = 0; i < width; i++) row.Values[i] = sepRow[i].ToString();
            onRow(row);
        }
    }
}
