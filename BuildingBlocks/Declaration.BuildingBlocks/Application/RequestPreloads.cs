namespace Declaration.BuildingBlocks.Application;

/// <summary>
/// Rows read on the current request's behalf before its own services ran — the API key's authentication reads the key's account and
/// that account's unit in one statement — for the module that owns them to take instead of reading them again (one round trip less
/// for every call of an integrator). Scoped to the request. A row is taken at most once, and only as the owner's first read of its
/// kind in the request (a row read at the request's start is as fresh as one read then); the owner decides who may see it.
/// </summary>
public sealed class RequestPreloads
{
    private readonly Dictionary<(Type, Guid), object> _rows = [];

    public void Add<T>(Guid key, T row) where T : class => _rows[(typeof(T), key)] = row;

    /// <summary>The row kept under <paramref name="key"/>, removed; every other row of the type is dropped too (first read only).</summary>
    public T? Take<T>(Guid key) where T : class
    {
        _rows.Remove((typeof(T), key), out var row);
        foreach (var k in _rows.Keys.Where(k => k.Item1 == typeof(T)).ToList()) _rows.Remove(k);
        return row as T;
    }
}
