using Microsoft.Extensions.Caching.Memory;

namespace Declaration.BuildingBlocks.Data;

/// <summary>
/// Values a host keeps, each with the stamp it was read under: a value is served only while the caller's freshly read stamp equals
/// it (the stamps live in PostgreSQL and move with the data, so the check holds on every host). The caller reads the stamp before
/// the value, so a kept value is never older than its stamp. Bounded: values weigh what the caller says, up to the capacity in all,
/// each dropped after <c>idle</c> unused (or at the instant the caller says it stops being valid).
/// </summary>
public sealed class StampedCache<TStamp>(int capacity, TimeSpan idle) : IDisposable where TStamp : IEquatable<TStamp>
{
    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = capacity });

    private sealed record Entry(TStamp Stamp, object Value);

    public T? Get<T>(object key, TStamp stamp) where T : class =>
        _entries.TryGetValue(key, out Entry? held) && held!.Stamp.Equals(stamp) ? (T)held.Value : null;

    public void Set(object key, TStamp stamp, object value, int weight, DateTimeOffset? validUntil = null) =>
        _entries.Set(key, new Entry(stamp, value), new MemoryCacheEntryOptions
        {
            Size = Math.Max(1, weight), SlidingExpiration = idle, AbsoluteExpiration = validUntil,
        });

    public void Dispose() => _entries.Dispose();
}
