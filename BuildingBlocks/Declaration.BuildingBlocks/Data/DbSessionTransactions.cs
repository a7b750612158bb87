namespace Declaration.BuildingBlocks.Data;

public static class DbSessionTransactions
{
    /// <summary>Runs <paramref name="work"/> in the caller's transaction, or in one of its own committed at the end.</summary>
    public static async Task<T> InTransactionAsync<T>(this IDbSession db, Func<Task<T>> work, CancellationToken ct)
    {
        if (db.Transaction is not null) return await work();
        await db.BeginAsync(ct);
        try
        {
            var result = await work();
            await db.CommitAsync(ct);
            return result;
        }
        catch
        {
            await db.RollbackAsync(CancellationToken.None);
            throw;
        }
    }
}
