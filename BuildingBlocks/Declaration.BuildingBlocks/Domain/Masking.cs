using System.Globalization;
using System.Text;

namespace Declaration.BuildingBlocks.Domain;

/// <summary>
/// How personal data is shown to someone without the right to the full value. Names are cut by text element (what a reader
/// sees as one character), never by UTF-16 unit, so a name starting with a character outside the BMP (𠮷, U+20BB7, two UTF-16
/// units) keeps that character whole instead of leaving a lone surrogate.
/// </summary>
public static class Masking
{
    /// <summary>330102199003072516 → 330102********2516.</summary>
    public static string IdNumber(string? value) =>
        string.IsNullOrEmpty(value) || value.Length < 10 ? "******" : string.Concat(value.AsSpan(0, 6), "********", value.AsSpan(value.Length - 4));

    /// <summary>张三丰 → 张**; 𠮷野家 → 𠮷**.</summary>
    public static string Name(string? value)
    {
        if (string.IsNullOrEmpty(value)) return string.Empty;
        var first = StringInfo.GetNextTextElementLength(value);
        var rest = new StringInfo(value).LengthInTextElements - 1;
        return string.Concat(value.AsSpan(0, first), new string('*', Math.Max(1, rest)));
    }

    /// <summary>13800571234 → 138****1234.</summary>
    public static string Mobile(string? value) =>
        string.IsNullOrEmpty(value) || value.Length < 7 ? "****" : string.Concat(value.AsSpan(0, 3), "****", value.AsSpan(value.Length - 4));

    /// <summary>Any telephone number (mobile or landline): the first three and last four characters, the rest starred (0571-87001234 → 057******1234).</summary>
    public static string Phone(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length < 8) return "****";
        if (IsMasked(value)) return value;
        var builder = new StringBuilder(value.Length);
        builder.Append(value.AsSpan(0, 3)).Append('*', value.Length - 7).Append(value.AsSpan(value.Length - 4));
        return builder.ToString();
    }

    /// <summary>Whether a value already went through a mask (holds a run of stars).</summary>
    public static bool IsMasked(string? value) => value is not null && value.Contains("**", StringComparison.Ordinal);
}
