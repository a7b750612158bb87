using System.Globalization;
using Declaration.Certification.Contracts;
using Mediator;

namespace Declaration.Host.Cli;

/// <summary>Registers the verbs and import kinds that modules add to the command line.</summary>
internal static class CliVerbs
{
    public static void RegisterAll()
    {
        CommandLine.ImportKinds["placements"] = s => new Placement.Contracts.ImportPlacements(s);
        CommandLine.Register("levy", LevyVerb.RunAsync);
        CommandLine.Register("rotate-keys", KeyVerbs.RotateAsync);
        AccountVerbs.Register();

        // Certification: linkage data imports, the batch and its exports.
        foreach (var kind in new[] { "certificates", "social-insurance", "wages", "minimum-wages" })
            CommandLine.ImportKinds[kind] = s => new ImportLinkageData(kind, s);
        CommandLine.Register("certify", CertifyAsync);
        CommandLine.Register("export", ExportAsync);
        CommandLine.ExportKinds["certification-results"] = (year, output) => new Placement.Contracts.ExportCertificationResults(year, output);
        CommandLine.ExportKinds["certified-counts"] = (year, output) => new Placement.Contracts.ExportCertifiedCounts(year, output);

        // AnnualReview: the tax authority's export of Certified unit-years (FORMATS.md `tax`).
        CommandLine.ExportKinds["tax"] = (year, output) => new Declaration.AnnualReview.Contracts.ExportTax(year, output);

        // Event delivery and the consistency of every placement's copies.
        DeliveryVerbs.Register();
    }

    private static int Year(CliContext context) =>
        int.TryParse(context.RequiredOption("--year"), NumberStyles.None, CultureInfo.InvariantCulture, out var y) && y is >= 2000 and <= 2100
            ? y : throw new CliUsageException("--year 应为四位年份");

    /// <summary><c>certify --year Y [--unit credit_code]</c>: runs the batch now for every unconfirmed placement of the year (or one unit).</summary>
    private static async Task<int> CertifyAsync(CliContext context)
    {
        var year = Year(context);
        var unit = context.Option("--unit");
        await Console.Error.WriteLineAsync($"正在认证 {year} 年度{(unit is null ? "全部单位" : "单位 " + unit)}的申报记录…");
        var summary = (CertificationBatchSummary)(await context.SendAsync(new RunCertificationBatch(year, unit, OnlyChanged: false)))!;
        foreach (var skipped in summary.SkippedUnits) await Console.Error.WriteLineAsync($"已跳过（配置错误）：{skipped}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"certify {year}: {summary.Placements} placements, {summary.QualifyingMonths} qualifying months, {summary.Changed} changed, {summary.SkippedUnits.Count} units skipped, {summary.Elapsed.TotalSeconds:0.0} s"));
        return summary.SkippedUnits.Count == 0 ? 0 : 3;
    }

    /// <summary><c>export &lt;kind&gt; --year Y --out file</c>: kinds are registered in <see cref="CommandLine.ExportKinds"/>.</summary>
    private static async Task<int> ExportAsync(CliContext context)
    {
        if (context.Args.Length < 2 || !CommandLine.ExportKinds.TryGetValue(context.Args[1], out var factory))
            throw new CliUsageException("用法：export <" + string.Join("|", CommandLine.ExportKinds.Keys) + "> --year <Y> --out <file>");
        var year = Year(context);
        var path = context.RequiredOption("--out");
        var temp = path + ".partial";
        long rows;
        await using (var output = File.Create(temp))
            rows = Convert.ToInt64(await context.SendAsync(factory(year, output)), CultureInfo.InvariantCulture);
        File.Move(temp, path, overwrite: true);
        await Console.Error.WriteLineAsync($"已导出 {rows} 行到 {path}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{context.Args[1]}: {rows} rows → {path}"));
        return 0;
    }
}
