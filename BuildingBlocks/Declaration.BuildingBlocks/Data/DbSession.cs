using System.Data;
using Dapper;
using Npgsql;

namespace Declaration.BuildingBlocks.Data;

/// <summary>
/// The scoped connection and transaction shared by every handler of one request or message.
/// The transaction behaviour opens a transaction around each command; queries run on the same connection.
/// </summary>
public interface IDbSession
{
    Task<NpgsqlConnection> ConnectionAsync(CancellationToken ct);
    NpgsqlTransaction? Transaction { get; }
    Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? param, CancellationToken ct);
    Task<T> QuerySingleAsync<T>(string sql, object? param, CancellationToken ct);
    Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? param, CancellationToken ct);
    Task<int> ExecuteAsync(string sql, object? param, CancellationToken ct);
    Task<T?> ExecuteScalarAsync<T>(string sql, object? param, CancellationToken ct);
    Task BeginAsync(CancellationToken ct);
    Task CommitAsync(CancellationToken ct);
    Task RollbackAsync(CancellationToken ct);

    /// <summary>Runs <paramref name="action"/> once after the current transaction commits (not after a rollback).</summary>
    void AfterCommit(Action action);
}

internal sealed class DbSession(NpgsqlDataSource dataSource) : IDbSession, IAsyncDisposable
{
    private NpgsqlConnection? _connection;
    private readonly List<Action> _afterCommit = [];

    public NpgsqlTransaction? Transaction { get; private set; }

    public async Task<NpgsqlConnection> ConnectionAsync(CancellationToken ct)
    {
        if (_connection is null)
        {
            _connection = dataSource.CreateConnection();
            await _connection.OpenAsync(ct);
        }
        return _connection;
    }

    private async Task<CommandDefinition> Command(string sql, object? param, CancellationToken ct)
    {
        await ConnectionAsync(ct);
        return new CommandDefinition(sql, param, Transaction, commandTimeout: 0, cancellationToken: ct);
    }

    public async Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? param, CancellationToken ct)
    {
        var command = await Command(sql, param, ct);
        return await _connection!.QuerySingleOrDefaultAsync<T>(command);
    }

    public async Task<T> QuerySingleAsync<T>(string sql, object? param, CancellationToken ct)
    {
        var command = await Command(sql, param, ct);
        return await _connection!.QuerySingleAsync<T>(command);
    }

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? param, CancellationToken ct)
    {
        var command = await Command(sql, param, ct);
        return (await _connection!.QueryAsync<T>(command)).AsList();
    }

    public async Task<int> ExecuteAsync(string sql, object? param, CancellationToken ct)
    {
        var command = await Command(sql, param, ct);
        return await _connection!.ExecuteAsync(command);
    }

    public async Task<T?> ExecuteScalarAsync<T>(string sql, object? param, CancellationToken ct)
    {
        var command = await Command(sql, param, ct);
        return await _connection!.ExecuteScalarAsync<T>(command);
    }

    public async Task BeginAsync(CancellationToken ct)
    {
        var connection = await ConnectionAsync(ct);
        Transaction ??= await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
    }

    public async Task CommitAsync(CancellationToken ct)
    {
        if (Transaction is null) return;
        await Transaction.CommitAsync(ct);
        await Transaction.DisposeAsync();
        Transaction = null;
        var actions = _afterCommit.ToArray();
        _afterCommit.Clear();
        foreach (var action in actions) action();
    }

    public void AfterCommit(Action action)
    {
        if (!_afterCommit.Contains(action)) _afterCommit.Add(action);
    }

    public async Task RollbackAsync(CancellationToken ct)
    {
        _afterCommit.Clear();
        if (Transaction is null) return;
        try { await Transaction.RollbackAsync(ct); }
        finally
        {
            await Transaction.DisposeAsync();
            Transaction = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Transaction is not null) await Transaction.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
