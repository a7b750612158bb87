using System.Text;

namespace Declaration.BuildingBlocks.Csv;

/// <summary>
/// Writes CSV rows (RFC 4180 quoting, "\n" line ends). Two audiences: a FORMATS.md file for machines (the CLI's <c>export</c>) is
/// written exactly — UTF-8 without BOM, every value as it is; a download for people (<paramref name="forSpreadsheet"/>: the browser
/// and API downloads) starts with a UTF-8 BOM, so Excel reads the Chinese text, and every cell that Excel would take for a formula
/// (starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab or CR) is neutralised with a leading apostrophe (CSV formula injection).
/// The columns are the same in both.
/// </summary>
public sealed class CsvWriter(Stream output, bool forSpreadsheet) : IAsyncDisposable
{
    private readonly StreamWriter _writer = new(output, new UTF8Encoding(forSpreadsheet), 1 << 16, leaveOpen: true) { NewLine = "\n" };

    public Task WriteRowAsync(params string?[] cells) =>
        _writer.WriteLineAsync(string.Join(',', cells.Select(c => Quote(forSpreadsheet ? Neutralise(c ?? string.Empty) : c ?? string.Empty))));

    /// <summary>A value a spreadsheet would evaluate, made inert: <c>=1+1</c> becomes <c>'=1+1</c>.</summary>
    public static string Neutralise(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;

    /// <summary>RFC 4180 quoting when needed.</summary>
    public static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    public async ValueTask DisposeAsync()
    {
        await _writer.FlushAsync();
        await _writer.DisposeAsync();
    }
}
