using System.Collections.Concurrent;

namespace Declaration.Units.Domain;

/// <summary>
/// This host's short memory of each signed-in account's security stamp and status, so a session is not checked against the database
/// on every request. An entry lives <see cref="Ttl"/> (Declaration:Security:SessionCheckInterval, 10 s): a change made on another host
/// (disabling, a new role, a new password) ends the sessions held here within that time; a change made on this host ends them at once
/// (the handler forgets the entry). A stamp the entry does not know is always re-read, so a fresh session never waits for the entry.
/// </summary>
internal sealed class AccountSessions(TimeSpan ttl)
{
    internal sealed record Entry(Guid Stamp, bool Active, bool MustChangePassword, DateTimeOffset Expires);

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();

    public TimeSpan Ttl { get; } = ttl;

    public Entry? Get(Guid accountId, DateTimeOffset now) =>
        _entries.TryGetValue(accountId, out var entry) && entry.Expires > now ? entry : null;

    public void Set(Guid accountId, Guid stamp, bool active, bool mustChange, DateTimeOffset now)
    {
        if (Ttl <= TimeSpan.Zero) return;
        _entries[accountId] = new Entry(stamp, active, mustChange, now + Ttl);
        if (_entries.Count > 50_000)
            foreach (var (id, e) in _entries)
                if (e.Expires <= now) _entries.TryRemove(id, out _);
    }

    public void Forget(Guid accountId) => _entries.TryRemove(accountId, out _);
}
