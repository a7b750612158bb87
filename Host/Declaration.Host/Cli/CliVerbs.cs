namespace Declaration.Host.Cli;

/// <summary>Registers the verbs and import kinds that modules add to the command line.</summary>
internal static class CliVerbs
{
    public static void RegisterAll()
    {
        RegisterAnnualReview();
    }

    /// <summary>
    /// AnnualReview's export kind <c>tax</c> (FORMATS.md). Registered as the <c>export</c> verb until Certification's
    /// export verb (with its dictionary of kinds) lands; then <see cref="ExportTaxAsync"/> becomes that dictionary's "tax" entry.
    /// </summary>
    private static void RegisterAnnualReview() => CommandLine.Register("export", async context =>
    {
        var kind = context.Args.Length > 1 ? context.Args[1] : null;
        if (kind != "tax") throw new CliUsageException("用法：export tax --year <Y> --out <file>");
        return await ExportTaxAsync(context);
    });

    internal static async Task<int> ExportTaxAsync(CliContext context)
    {
        var year = int.TryParse(context.RequiredOption("--year"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var y)
            ? y : throw new CliUsageException("--year 应为年份，如 2025");
        var path = context.RequiredOption("--out");
        await using (var file = File.Create(path))
        {
            var rows = (long)(await context.SendAsync(new Declaration.AnnualReview.Contracts.ExportTax(year, file)))!;
            await Console.Error.WriteLineAsync($"tax {year}: {rows} rows → {path}");
        }
        return 0;
    }
}
