using System.Globalization;
using Declaration.Host.Api;
using Declaration.LevyCalculator.Contracts;

namespace Declaration.Host.Cli;

/// <summary>
/// <c>levy --year &lt;Y&gt; --region &lt;code&gt; --unit-type &lt;type&gt; --headcount &lt;H&gt; --average-annual-wage &lt;W&gt;
/// --person-months &lt;P&gt; [--severe-person-months &lt;S&gt;] [--local-average-wage &lt;L&gt;] [--quota-ratio &lt;q&gt;]</c>:
/// prints the result as one JSON object (FORMATS.md). P counts plain months, S severe months.
/// </summary>
internal static class LevyVerb
{
    private const string Usage = "用法：levy --year <Y> --region <code> --unit-type <type> --headcount <H> --average-annual-wage <W> " +
        "--person-months <P> [--severe-person-months <S>] [--local-average-wage <L>] [--quota-ratio <q>]";

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "--year", "--region", "--unit-type", "--headcount", "--average-annual-wage", "--person-months",
        "--severe-person-months", "--local-average-wage", "--quota-ratio",
    };

    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        [nameof(CalculateLevy.BusinessYear)] = "--year", [nameof(CalculateLevy.RegionCode)] = "--region", [nameof(CalculateLevy.UnitType)] = "--unit-type",
        [nameof(CalculateLevy.Headcount)] = "--headcount", [nameof(CalculateLevy.AverageAnnualWage)] = "--average-annual-wage",
        [nameof(CalculateLevy.PlainPersonMonths)] = "--person-months", [nameof(CalculateLevy.SeverePersonMonths)] = "--severe-person-months",
        [nameof(CalculateLevy.LocalAverageWage)] = "--local-average-wage", [nameof(CalculateLevy.QuotaRatio)] = "--quota-ratio",
    };

    public static async Task<int> RunAsync(CliContext context)
    {
        for (var i = 1; i < context.Args.Length; i += 2)
        {
            if (!Known.Contains(context.Args[i])) throw new CliUsageException($"未知的参数“{context.Args[i]}”。{Usage}");
            if (i + 1 >= context.Args.Length) throw new CliUsageException($"参数 {context.Args[i]} 缺少取值。{Usage}");
        }
        string Required(string name) => context.Option(name) ?? throw new CliUsageException($"缺少参数 {name}。{Usage}");
        var yearText = Required("--year");
        if (!int.TryParse(yearText, NumberStyles.None, CultureInfo.InvariantCulture, out var year))
            throw new CliUsageException($"参数 --year 应为年份（如 2024），而不是“{yearText}”");
        var request = new CalculateLevy(year, Required("--region"), Required("--unit-type"),
            Number("--headcount", Required("--headcount")), Number("--average-annual-wage", Required("--average-annual-wage")),
            Number("--person-months", Required("--person-months")),
            context.Option("--severe-person-months") is { } s ? Number("--severe-person-months", s) : 0m,
            context.Option("--local-average-wage") is { } l ? Number("--local-average-wage", l) : null,
            context.Option("--quota-ratio") is { } q ? Number("--quota-ratio", q) : null);
        LevyResultDto result;
        try
        {
            result = (LevyResultDto)(await context.SendAsync(request))!;
        }
        catch (Declaration.BuildingBlocks.Errors.InputException ex)
        {
            // Report each refusal under the flag the user typed.
            throw new Declaration.BuildingBlocks.Errors.InputException(ex.Errors.ToDictionary(
                e => Flags.GetValueOrDefault(e.Key, e.Key), e => e.Value, StringComparer.Ordinal));
        }
        Console.Out.WriteLine(LevyJson.Write(result));
        return 0;
    }

    private static decimal Number(string name, string text) =>
        decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CliUsageException($"参数 {name} 应为数字，而不是“{text}”");
}
