using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.Caching.Memory;

namespace Declaration.Host.Web;

/// <summary>
/// What a unit's own pages read (the home page's dashboard, a page of the placement list), kept by this host and served again
/// while the stamps (<see cref="IUnitStamps"/>: one small read, the only query of a hit) are those it was read under. The stamps
/// are read before the data, so an entry is never older than its stamps (a change committed in between is read, and the entry is
/// simply read again on the next request). The key names the unit, the page, its parameters and the day (what depends on today:
/// windows, certificate expiry) — and the reader, for a page that shows the reader's own marks (then the reader's stamp counts too).
/// What changes with time alone (a notice expiring) is caught by the instant the caller says the value stops being valid.
/// Bounded: entries weigh what the caller says (about one per row shown: a row is well under a kilobyte) up to <see cref="Capacity"/>
/// in all, each dropped after <see cref="Idle"/> unused.
/// </summary>
public sealed class UnitPageCache : IDisposable
{
    public const int Capacity = 100_000;
    public static readonly TimeSpan Idle = TimeSpan.FromMinutes(20);

    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = Capacity });

    private sealed record Entry(UnitStamp Stamp, object Value);

    public async Task<T> GetAsync<T>(IServiceProvider services, Guid unitId, Guid? readerId, string key, Func<Task<T>> load, Func<T, int> weight,
        Func<T, DateTimeOffset?> validUntil, CancellationToken ct) where T : class
    {
        var stamp = await services.GetRequiredService<IUnitStamps>().ReadAsync(unitId, readerId, ct);
        var id = (unitId, readerId, key, typeof(T));
        if (_entries.TryGetValue(id, out Entry? held) && held!.Stamp == stamp) return (T)held.Value;
        var value = await load();
        _entries.Set(id, new Entry(stamp, value), new MemoryCacheEntryOptions
        {
            Size = Math.Max(1, weight(value)), SlidingExpiration = Idle, AbsoluteExpiration = validUntil(value),
        });
        return value;
    }

    public void Dispose() => _entries.Dispose();
}
