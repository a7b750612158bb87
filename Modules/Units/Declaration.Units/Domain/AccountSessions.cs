using System.Collections.Concurrent;
using Declaration.Units.Contracts;

namespace Declaration.Units.Domain;

/// <summary>
/// This host's short memory of each signed-in account's security stamp and status, and of each API key in use with its account and
/// that account's unit, so a session or a key is not checked against the database on every request. An entry lives <see cref="Ttl"/>
/// (Declaration:Security:SessionCheckInterval, 10 s): a change made on another host (disabling, a new role, a new password, a revoked
/// key, a unit's new profile) reaches the requests of this host within that time; a change made on this host as it commits (its handler
/// forgets the entries then). A stamp the entry does not know is always re-read, so a fresh session never waits for the entry; a key is
/// remembered only while valid, and its secret is compared with the remembered hash on every request.
/// </summary>
internal sealed class AccountSessions(TimeSpan ttl)
{
    internal sealed record Entry(Guid Stamp, bool Active, bool MustChangePassword, DateTimeOffset Expires);

    /// <summary>A valid key as last read: what answers its requests until <see cref="Expires"/>.</summary>
    internal sealed record KeyEntry(byte[] SecretSha256, DateTimeOffset? KeyExpiresAt, DateTimeOffset? LastUsedAt, ApiKeyIdentity Identity,
        DateTimeOffset Expires);

    private const int MaxEntries = 50_000;
    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private readonly ConcurrentDictionary<Guid, KeyEntry> _keys = new();
    private long _keyGeneration;

    public TimeSpan Ttl { get; } = ttl;

    public Entry? Get(Guid accountId, DateTimeOffset now) =>
        _entries.TryGetValue(accountId, out var entry) && entry.Expires > now ? entry : null;

    public void Set(Guid accountId, Guid stamp, bool active, bool mustChange, DateTimeOffset now)
    {
        if (Ttl <= TimeSpan.Zero) return;
        _entries[accountId] = new Entry(stamp, active, mustChange, now + Ttl);
        if (_entries.Count > MaxEntries)
            foreach (var (id, e) in _entries)
                if (e.Expires <= now) _entries.TryRemove(id, out _);
    }

    /// <summary>Forgets the account's session entry and every key of the account.</summary>
    public void Forget(Guid accountId)
    {
        _entries.TryRemove(accountId, out _);
        ForgetKeysOf(accountId);
    }

    public KeyEntry? GetKey(Guid keyId, DateTimeOffset now) =>
        _keys.TryGetValue(keyId, out var entry) && entry.Expires > now ? entry : null;

    /// <summary>
    /// Moves whenever a key is forgotten: a key read before a change on this host (<see cref="KeyGeneration"/> taken before the read)
    /// is not remembered after it.
    /// </summary>
    public long KeyGeneration => Interlocked.Read(ref _keyGeneration);

    /// <summary>Remembers a valid key as read, unless a key was forgotten since <paramref name="generation"/> (taken before the read).</summary>
    public void SetKey(Guid keyId, byte[] secretSha256, DateTimeOffset? keyExpiresAt, DateTimeOffset? lastUsedAt, ApiKeyIdentity identity,
        DateTimeOffset now, long generation)
    {
        if (Ttl <= TimeSpan.Zero || KeyGeneration != generation) return;
        var entry = new KeyEntry(secretSha256, keyExpiresAt, lastUsedAt, identity, now + Ttl);
        _keys[keyId] = entry;
        // A change forgotten between the check and the write: the entry may be older than it.
        if (KeyGeneration != generation) _keys.TryRemove(new KeyValuePair<Guid, KeyEntry>(keyId, entry));
        if (_keys.Count > MaxEntries)
            foreach (var (id, e) in _keys)
                if (e.Expires <= now) _keys.TryRemove(id, out _);
    }

    /// <summary>The key's use was written (<c>last_used_at</c>) at <paramref name="at"/>: the entry keeps its lifetime.</summary>
    public void KeyUsed(Guid keyId, DateTimeOffset at)
    {
        if (_keys.TryGetValue(keyId, out var entry)) _keys.TryUpdate(keyId, entry with { LastUsedAt = at }, entry);
    }

    public void ForgetKey(Guid keyId)
    {
        Interlocked.Increment(ref _keyGeneration);
        _keys.TryRemove(keyId, out _);
    }

    /// <summary>Forgets the account's keys only (a change that leaves its sessions valid: the name it acts under).</summary>
    public void ForgetKeysOf(Guid accountId) => ForgetKeysWhere(k => k.Identity.Account.Id == accountId);

    /// <summary>Forgets the keys whose account belongs to the unit (the unit they carry changed on this host).</summary>
    public void ForgetUnit(Guid unitId) => ForgetKeysWhere(k => k.Identity.Account.UnitId == unitId);

    /// <summary>Forgets every key (a file changed many units or accounts at once).</summary>
    public void ForgetKeys()
    {
        Interlocked.Increment(ref _keyGeneration);
        _keys.Clear();
    }

    private void ForgetKeysWhere(Func<KeyEntry, bool> match)
    {
        Interlocked.Increment(ref _keyGeneration);
        foreach (var (id, e) in _keys)
            if (match(e)) _keys.TryRemove(id, out _);
    }
}
