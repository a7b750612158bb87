namespace Declaration.BuildingBlocks.Data;

/// <summary>
/// One statement that finds its rows by key, run with its generic plan (planned once per connection) in the same round trip, where
/// the session plans every run for its parameters (see <see cref="IDbSession.UseGenericPlans"/> for a whole transaction): for the
/// statements of every request whose planning cost more than their run.
/// </summary>
public static class GenericPlan
{
    /// <summary>The setting, for the rest of the transaction (or until <see cref="Reset"/>).</summary>
    public const string Set = "SET LOCAL plan_cache_mode = force_generic_plan";

    /// <summary>Back to the session's setting (a plan per run) for the rest of the transaction.</summary>
    public const string Reset = "SET LOCAL plan_cache_mode TO DEFAULT";

    /// <summary>
    /// <paramref name="sql"/> (one statement) wrapped for <paramref name="db"/>'s state: outside a transaction in one of its own
    /// (<c>BEGIN; SET LOCAL …; sql; COMMIT</c>), inside one between the setting and its reset, unchanged in a transaction that runs
    /// generic plans already. The reader passes over the other statements' empty results.
    /// </summary>
    public static string Wrap(string sql, IDbSession db) =>
        db.Transaction is null ? $"BEGIN;\n{Set};\n{sql};\nCOMMIT"
        : db.GenericPlans ? sql
        : $"{Set};\n{sql};\n{Reset}";
}
