namespace Declaration.Certification.Domain;

/// <summary>SQL written once per month 1..12: month masks and the twelve monthly columns (w1..w12, c1..c12, s1..s12).</summary>
internal static class MonthSql
{
    /// <summary><paramref name="term"/> for each month 1..12, joined by <paramref name="separator"/>.</summary>
    public static string Each(Func<int, string> term, string separator = ", ") =>
        string.Join(separator, Enumerable.Range(1, 12).Select(term));

    /// <summary>The mask (bit m−1 = month m) of the months where <paramref name="condition"/> holds.</summary>
    public static string Mask(Func<int, string> condition) =>
        "(" + Each(m => $"CASE WHEN {condition(m)} THEN {1 << (m - 1)} ELSE 0 END", " | ") + ")";
}
