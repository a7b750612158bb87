using Declaration.BuildingBlocks.Data;

namespace Declaration.Host.Web;

/// <summary>
/// What a unit's own pages read (the home page's dashboard, a page of the placement list), kept by this host and served again
/// while the stamps (<see cref="IUnitStamps"/>: one small read, the only query of a hit) are those it was read under
/// (<see cref="StampedCache{TStamp}"/>). The key names the unit, the page, its parameters and the day (what depends on today:
/// windows, certificate expiry) — and the reader, for a page that shows the reader's own marks (then the reader's stamp counts too).
/// What changes with time alone (a notice expiring) is caught by the instant the caller says the value stops being valid.
/// Bounded: entries weigh what the caller says (about one per row shown: a row is well under a kilobyte) up to <see cref="Capacity"/>
/// in all, each dropped after <see cref="Idle"/> unused.
/// </summary>
public sealed class UnitPageCache : IDisposable
{
    public const int Capacity = 100_000;
    public static readonly TimeSpan Idle = TimeSpan.FromMinutes(20);

    private readonly StampedCache<UnitStamp> _entries = new(Capacity, Idle);

    public async Task<T> GetAsync<T>(IServiceProvider services, Guid unitId, Guid? readerId, string key, Func<Task<T>> load, Func<T, int> weight,
        Func<T, DateTimeOffset?> validUntil, CancellationToken ct) where T : class
    {
        var stamp = await services.GetRequiredService<IUnitStamps>().ReadAsync(unitId, readerId, ct);
        var id = (unitId, readerId, key, typeof(T));
        if (_entries.Get<T>(id, stamp) is { } held) return held;
        var value = await load();
        _entries.Set(id, stamp, value, weight(value), validUntil(value));
        return value;
    }

    public void Dispose() => _entries.Dispose();
}
