namespace Declaration.Host.Cli;

/// <summary>Registers the verbs and import kinds that modules add to the command line.</summary>
internal static class CliVerbs
{
    public static void RegisterAll()
    {
        CommandLine.ImportKinds["placements"] = s => new Placement.Contracts.ImportPlacements(s);
    }
}
