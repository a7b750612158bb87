using System.Globalization;

namespace Declaration.AnnualReview.Domain;

/// <summary>
/// <c>Declaration:AnnualReview</c>: the default declaration window of business year Y (RULES.md §6: 1 March – 31 October
/// of Y+1), as month-day pairs in the year Y + <see cref="WindowYearOffset"/>; per-year overrides live in the schema.
/// </summary>
internal sealed class AnnualReviewOptions
{
    public const string Section = "Declaration:AnnualReview";

    /// <summary>First day of the window, "MM-dd".</summary>
    public string WindowStartMonthDay { get; set; } = "03-01";

    /// <summary>Last day of the window (inclusive), "MM-dd".</summary>
    public string WindowEndMonthDay { get; set; } = "10-31";

    /// <summary>The window of business year Y lies in year Y + this offset.</summary>
    public int WindowYearOffset { get; set; } = 1;

    /// <summary>The public address of the web app, for the verification link in the certificate's QR code; defaults to Declaration:Url.</summary>
    public string? PublicBaseUrl { get; set; }

    public (DateOnly Opens, DateOnly Closes) DefaultWindow(int businessYear)
    {
        var year = businessYear + WindowYearOffset;
        return (MonthDay(WindowStartMonthDay, year), MonthDay(WindowEndMonthDay, year));
    }

    private static DateOnly MonthDay(string value, int year)
    {
        var parts = value.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var month)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var day) || month is < 1 or > 12 || day < 1)
            throw new InvalidOperationException($"{Section}: “{value}” is not a month-day (MM-dd).");
        return new DateOnly(year, month, Math.Min(day, DateTime.DaysInMonth(year, month)));
    }
}
