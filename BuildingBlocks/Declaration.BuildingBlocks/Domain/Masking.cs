namespace Declaration.BuildingBlocks.Domain;

/// <summary>How personal data is shown to someone without the right to the full value.</summary>
public static class Masking
{
    /// <summary>330102199003072516 → 330102********2516.</summary>
    public static string IdNumber(string? value) =>
        string.IsNullOrEmpty(value) || value.Length < 10 ? "******" : string.Concat(value.AsSpan(0, 6), "********", value.AsSpan(value.Length - 4));

    /// <summary>张三丰 → 张**.</summary>
    public static string Name(string? value) =>
        string.IsNullOrEmpty(value) ? string.Empty : string.Concat(value.AsSpan(0, 1), new string('*', Math.Max(1, value.Length - 1)));

    public static string Mobile(string? value) =>
        string.IsNullOrEmpty(value) || value.Length < 7 ? "****" : string.Concat(value.AsSpan(0, 3), "****", value.AsSpan(value.Length - 4));
}
