using System.Data;
using Dapper;
using Microsoft.Extensions.Options;
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

    /// <summary>
    /// For the rest of the current transaction, prepared statements run their generic plans, planned once per connection: for work
    /// whose every statement finds its rows by key. Otherwise each run is planned for its parameters, as the optional filters of the
    /// list pages need. The setting travels with the session's next statement (no round trip of its own).
    /// </summary>
    void UseGenericPlans();

    /// <summary>
    /// Ends <see cref="UseGenericPlans"/>: the rest of the transaction plans each run again (for a unit of work of another kind that
    /// follows in the same transaction). The setting travels with the next statement, as that one's did.
    /// </summary>
    void UseCustomPlans();

    /// <summary>Whether the current transaction runs generic plans (<see cref="UseGenericPlans"/>).</summary>
    bool GenericPlans { get; }
    Task CommitAsync(CancellationToken ct);
    Task RollbackAsync(CancellationToken ct);

    /// <summary>Runs <paramref name="action"/> once after the current transaction commits (not after a rollback).</summary>
    void AfterCommit(Action action);

    /// <summary>
    /// Runs <paramref name="action"/> once when the current transaction is about to commit, in the order registered (not when it is
    /// rolled back): for work gathered over a unit of work and written once at its end — what it queues with
    /// <see cref="DeferAsync"/> travels with the COMMIT. A failure there fails the commit (the caller rolls back). A rollback drops
    /// the action and runs <paramref name="discarded"/> (the gathered work is forgotten with the transaction).
    /// </summary>
    void BeforeCommit(Func<CancellationToken, Task> action, Action? discarded = null);

    /// <summary>
    /// A write whose outcome nobody reads (an audit entry, an outbox row), in the current transaction: queued and sent in one round trip
    /// with the others queued, before the next statement of this session or the commit — the order of the session's statements is
    /// kept, and a rollback drops them with the rest. Queued at the end, they travel with the COMMIT itself. Outside a transaction it
    /// runs at once. <paramref name="failure"/> may turn the statement's own error into the one the caller would have thrown (it must
    /// recognise its statement's error by the constraint it names).
    /// </summary>
    Task DeferAsync(NpgsqlBatchCommand command, CancellationToken ct, Func<PostgresException, Exception?>? failure = null);

    /// <summary>
    /// Lets this session's statements run up to <see cref="DatabaseOptions.LongCommandTimeout"/> instead of
    /// <see cref="DatabaseOptions.CommandTimeout"/>: for the long set-based statements of imports and the certification batch only.
    /// </summary>
    void UseLongCommandTimeout();
}

/// <summary><c>Declaration:Database</c>: how long one SQL statement may run.</summary>
public sealed class DatabaseOptions
{
    /// <summary>Every statement of a request, query or command (a runaway query fails instead of holding a connection forever).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The statements of imports, the certification batch and other sessions that call <see cref="IDbSession.UseLongCommandTimeout"/>.</summary>
    public TimeSpan LongCommandTimeout { get; set; } = TimeSpan.FromHours(2);
}

internal sealed class DbSession(NpgsqlDataSource dataSource, IOptions<DatabaseOptions> options) : IDbSession, IAsyncDisposable
{
    private NpgsqlConnection? _connection;
    private readonly List<Action> _afterCommit = [];
    private readonly List<(Func<CancellationToken, Task> Action, Action? Discarded)> _beforeCommit = [];
    private readonly List<NpgsqlBatchCommand> _deferred = [];
    private readonly Dictionary<NpgsqlBatchCommand, Func<PostgresException, Exception?>> _failures = [];

    private TimeSpan _timeout = options.Value.CommandTimeout;

    /// <summary>The generic-plan setting, waiting to go with the session's next statement.</summary>
    private string? _setup;

    public void UseLongCommandTimeout() => _timeout = options.Value.LongCommandTimeout;

    private int TimeoutSeconds => _timeout <= TimeSpan.Zero ? 0 : (int)Math.Ceiling(_timeout.TotalSeconds);

    public NpgsqlTransaction? Transaction { get; private set; }

    public bool GenericPlans { get; private set; }

    public async Task<NpgsqlConnection> ConnectionAsync(CancellationToken ct)
    {
        var connection = await OpenAsync(ct);
        // The caller sends statements of its own: what is queued goes first.
        if (_setup is not null) await FlushAsync(ct);
        return connection;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        if (_connection is null)
        {
            _connection = dataSource.CreateConnection();
            await _connection.OpenAsync(ct);
        }
        if (_deferred.Count > 0) await FlushAsync(ct);
        return _connection;
    }

    public async Task DeferAsync(NpgsqlBatchCommand command, CancellationToken ct, Func<PostgresException, Exception?>? failure = null)
    {
        _deferred.Add(command);
        if (failure is not null) _failures[command] = failure;
        if (Transaction is null) await FlushAsync(ct);
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        var commands = _setup is null ? _deferred.ToArray() : [new NpgsqlBatchCommand(_setup), .. _deferred];
        _setup = null;
        var failures = new Dictionary<NpgsqlBatchCommand, Func<PostgresException, Exception?>>(_failures);
        _deferred.Clear();
        _failures.Clear();
        await using var batch = new NpgsqlBatch(_connection ?? await OpenAsync(ct), Transaction) { Timeout = TimeoutSeconds };
        foreach (var command in commands) batch.BatchCommands.Add(command);
        try
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex) when (Translate(ex) is { } translated)
        {
            throw translated;
        }

        // Npgsql does not say which command of the batch failed: each queued command's own reading of the error is asked, in order
        // (a reading names its constraint, so it answers only for its own statement).
        Exception? Translate(PostgresException ex) =>
            commands.Select(c => failures.TryGetValue(c, out var translate) ? translate(ex) : null).FirstOrDefault(t => t is not null);
    }

    private async Task<CommandDefinition> Command(string sql, object? param, CancellationToken ct)
    {
        await OpenAsync(ct);
        if (_setup is not null)
        {
            // One command text of two statements: Npgsql sends (and prepares) each on its own, in one round trip, and the reader
            // passes over the setting's empty result.
            sql = _setup + ";\n" + sql;
            _setup = null;
        }
        return new CommandDefinition(sql, param, Transaction, commandTimeout: TimeoutSeconds, cancellationToken: ct);
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
        var connection = await OpenAsync(ct);
        Transaction ??= await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
    }

    public void UseGenericPlans()
    {
        if (Transaction is null) throw new InvalidOperationException("Generic plans are set for a transaction.");
        if (GenericPlans) return;
        GenericPlans = true;
        Plan(GenericPlan.Set);
    }

    public void UseCustomPlans()
    {
        if (!GenericPlans) return;
        GenericPlans = false;
        Plan(GenericPlan.Reset);
    }

    /// <summary>
    /// A plan setting for the statements that follow: after the writes already queued (it must not reach back to them), else with
    /// the next statement; one still waiting is replaced (nothing ran with it).
    /// </summary>
    private void Plan(string setting)
    {
        if (_deferred.Count > 0) _deferred.Add(new NpgsqlBatchCommand(setting));
        else _setup = _setup is null ? setting : null;
    }

    public async Task CommitAsync(CancellationToken ct)
    {
        if (Transaction is null) return;
        // (An action may register another: each runs once.)
        for (var i = 0; i < _beforeCommit.Count; i++) await _beforeCommit[i].Action(ct);
        _beforeCommit.Clear();
        if (_deferred.Count > 0)
        {
            // The queued writes and the COMMIT in one round trip. Npgsql follows the server's transaction status: once the batch has
            // run, the transaction object is completed and is only disposed. A failure before the COMMIT leaves the transaction
            // aborted for the caller's rollback, as a failing statement would.
            _deferred.Add(new NpgsqlBatchCommand("COMMIT"));
            await FlushAsync(ct);
        }
        else
        {
            _setup = null; // (nothing left to plan)
            await Transaction.CommitAsync(ct);
        }
        await Transaction.DisposeAsync();
        Transaction = null;
        GenericPlans = false;
        var actions = _afterCommit.ToArray();
        _afterCommit.Clear();
        foreach (var action in actions) action();
    }

    public void AfterCommit(Action action)
    {
        if (!_afterCommit.Contains(action)) _afterCommit.Add(action);
    }

    public void BeforeCommit(Func<CancellationToken, Task> action, Action? discarded = null)
    {
        if (Transaction is null) throw new InvalidOperationException("Work before the commit needs a transaction.");
        _beforeCommit.Add((action, discarded));
    }

    public async Task RollbackAsync(CancellationToken ct)
    {
        _afterCommit.Clear();
        var discarded = _beforeCommit.Select(b => b.Discarded).ToArray();
        _beforeCommit.Clear();
        foreach (var discard in discarded) discard?.Invoke();
        _deferred.Clear();
        _failures.Clear();
        _setup = null;
        if (Transaction is null) return;
        try { await Transaction.RollbackAsync(ct); }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or NpgsqlException)
        {
            // The connection broke with the statement that failed: the server has already rolled back. Keep the original error.
        }
        finally
        {
            await Transaction.DisposeAsync();
            Transaction = null;
            GenericPlans = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Transaction is not null) await Transaction.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
