using System.Globalization;
using Declaration.BuildingBlocks.Errors;

namespace Declaration.BuildingBlocks.Csv;

/// <summary>One bad cell or row of an import file.</summary>
public sealed record ImportError(long Line, string Column, string Reason)
{
    public override string ToString() => Line <= 0 ? Reason : Column.Length == 0 ? $"第{Line}行：{Reason}" : $"第{Line}行，列 {Column}：{Reason}";
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

    /// <summary>The header a file used for a column, when not its FORMATS.md name (the Excel template's Chinese header): errors name it so.</summary>
    public Dictionary<string, string> Labels { get; } = new(StringComparer.Ordinal);

    public string Label(string column) => Labels.GetValueOrDefault(column, column);

    public void Add(long line, string column, string reason)
    {
        Count++;
        if (_kept.Count < 100) _kept.Add(new ImportError(line, Label(column), reason));
    }

    public void ThrowIfAny()
    {
        if (Count > 0) throw new ImportRejectedException(_kept.OrderBy(e => e.Line).ToList(), Count);
    }
}

/// <summary>A row of an import file: values by column name, the line it starts on, and typed parsers that record errors.</summary>
public sealed class CsvRow(ImportErrors errors)
{
    internal Dictionary<string, int> Index = new(StringComparer.Ordinal);
    internal string[] Values = [];
    internal bool[] Numbers = [];
    internal HashSet<string> Refused = new(StringComparer.Ordinal);
    public long Line { get; internal set; }
    public int ErrorCountAtStart { get; internal set; }
    public bool HasErrors => errors.Count > ErrorCountAtStart;

    /// <summary>Whether any row so far had an error (the file will be rejected: a kind may stop staging rows).</summary>
    public bool FileHasErrors => errors.Count > 0;

    /// <summary>Where warnings go (rows accepted with a remark, e.g. a credit-code checksum mismatch).</summary>
    public ImportErrors? Warnings { get; init; }

    public void Warn(string column, string reason) => Warnings?.Add(Line, column, reason);

    /// <summary>The cell's text, trimmed; null when empty, absent, or already refused (an error was recorded for it).</summary>
    public string? Get(string column)
    {
        if (!Index.TryGetValue(column, out var i) || Refused.Contains(column)) return null;
        var v = Values[i].Trim();
        return v.Length == 0 ? null : v;
    }

    /// <summary>Whether a spreadsheet stored the cell as a number (never for CSV).</summary>
    public bool IsNumberCell(string column) => Index.TryGetValue(column, out var i) && i < Numbers.Length && Numbers[i];

    public void Error(string column, string reason)
    {
        errors.Add(Line, column, reason);
        if (column.Length > 0) Refused.Add(column);
    }

    public string Required(string column)
    {
        if (Refused.Contains(column)) return string.Empty;
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

    /// <summary>A code of FORMATS.md, or its Chinese label (the Excel template's drop-down list) mapped to the code.</summary>
    public string? Code(string column, bool required, IReadOnlyDictionary<string, string> labels)
    {
        var v = required ? Required(column) : Get(column);
        if (string.IsNullOrEmpty(v)) return null;
        if (labels.ContainsKey(v)) return v;
        foreach (var (code, label) in labels)
            if (string.Equals(label, v, StringComparison.Ordinal)) return code;
        Error(column, $"“{v}”不是允许的取值（{string.Join("、", labels.Select(l => $"{l.Value}（{l.Key}）"))}）");
        return null;
    }
}
