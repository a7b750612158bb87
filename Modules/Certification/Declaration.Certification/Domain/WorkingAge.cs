using Declaration.BuildingBlocks.Domain;

namespace Declaration.Certification.Domain;

/// <summary>The working-age months of RULES.md §3: the 16th-birthday month and the statutory retirement month R (2025 reform).</summary>
internal static class WorkingAge
{
    /// <summary>The first day of the month of the 16th birthday.</summary>
    public static DateOnly Age16Month(DateOnly birth) => new DateOnly(birth.Year, birth.Month, 1).AddYears(16);

    /// <summary>
    /// R = B + base years + extension months. Base: men 60; women 55, or 50 when the placement says so. Extension: B before the
    /// group's first reform birth month S → 0; else k = months from S to B, men and women base 55 min(36, ⌊k/4⌋ + 1),
    /// women base 50 min(60, ⌊k/2⌋ + 1).
    /// </summary>
    public static DateOnly RetirementMonth(DateOnly birth, bool male, bool base50)
    {
        var b = new DateOnly(birth.Year, birth.Month, 1);
        int baseYears;
        DateOnly s;
        int cap, step;
        if (male) { baseYears = 60; s = new DateOnly(1965, 1, 1); cap = 36; step = 4; }
        else if (base50) { baseYears = 50; s = new DateOnly(1975, 1, 1); cap = 60; step = 2; }
        else { baseYears = 55; s = new DateOnly(1970, 1, 1); cap = 36; step = 4; }
        var extension = 0;
        if (b >= s)
        {
            var k = (b.Year - s.Year) * 12 + (b.Month - s.Month);
            extension = Math.Min(cap, k / step + 1);
        }
        return b.AddYears(baseYears).AddMonths(extension);
    }

    public static DateOnly RetirementMonth(string idNumber, bool base50) =>
        RetirementMonth(Identifiers.BirthDate(idNumber), Identifiers.IsMale(idNumber), base50);

    /// <summary>Contract ≥ 1 year: open-ended or establishment; or end ≥ start + 1 year − 1 day.</summary>
    public static bool ContractLongEnough(string contractType, DateOnly start, DateOnly? end) =>
        contractType is "open_ended" or "establishment" || (end is { } e && e >= start.AddYears(1).AddDays(-1));
}
