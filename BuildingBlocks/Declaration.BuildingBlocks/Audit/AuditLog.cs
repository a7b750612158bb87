using System.Text.Json;
using System.Text.Json.Nodes;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;

namespace Declaration.BuildingBlocks.Audit;

public sealed record AuditEntry(long Id, DateTimeOffset At, string Module, string EntityType, string EntityId, Guid? UnitId,
    string Action, string ActorName, string ActorRole, string? Before, string? After);

/// <summary>Who changed what, when, before and after; written in the same transaction as the change.</summary>
public interface IAuditLog
{
    Task RecordAsync(string module, string entityType, string entityId, Guid? unitId, string action, object? before, object? after, CancellationToken ct);
    Task<IReadOnlyList<AuditEntry>> ForUnitAsync(Guid unitId, int limit, CancellationToken ct);

    /// <summary>
    /// One entry per row of <paramref name="rowsSql"/> (columns <c>entity_id text, unit_id uuid, action text, before jsonb, after jsonb</c>),
    /// written set-wise by one statement, for changes made to many rows at once (an import). Its parameters must not start with <c>audit_</c>.
    /// </summary>
    Task<int> RecordSetAsync(string module, string entityType, string rowsSql, object? param, CancellationToken ct);
}

internal sealed class AuditLog(IDbSession db, ICurrentUser user, TimeProvider clock) : IAuditLog
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The entry travels with the session's next round trip (the commit at the latest): nothing reads it back.</summary>
    public Task RecordAsync(string module, string entityType, string entityId, Guid? unitId, string action, object? before, object? after, CancellationToken ct) =>
        db.DeferAsync(BatchCommands.Create("""
            INSERT INTO platform.audit_log (at, module, entity_type, entity_id, unit_id, action, actor_id, actor_name, actor_role, ip, before, after)
            VALUES (@at, @module, @entityType, @entityId, @unitId, @action, @actorId, @actorName, @actorRole, @ip, @before::jsonb, @after::jsonb)
            """,
            new
            {
                at = clock.GetUtcNow(), module, entityType, entityId, unitId, action, actorId = user.UserId, actorName = user.UserName,
                actorRole = user.Role.ToString(), ip = user.IpAddress,
                before = AuditJson(before),
                after = AuditJson(after),
            }), ct);

    public Task<int> RecordSetAsync(string module, string entityType, string rowsSql, object? param, CancellationToken ct)
    {
        var parameters = new Dapper.DynamicParameters(param);
        parameters.AddDynamicParams(new
        {
            audit_at = clock.GetUtcNow(), audit_module = module, audit_entity_type = entityType, audit_actor_id = user.UserId,
            audit_actor_name = user.UserName, audit_actor_role = user.Role.ToString(), audit_ip = user.IpAddress,
        });
        return db.ExecuteAsync($"""
            INSERT INTO platform.audit_log (at, module, entity_type, entity_id, unit_id, action, actor_id, actor_name, actor_role, ip, before, after)
            SELECT @audit_at, @audit_module, @audit_entity_type, x.entity_id, x.unit_id, x.action, @audit_actor_id, @audit_actor_name, @audit_actor_role,
                   @audit_ip, x.before, x.after
            FROM ({rowsSql}) x
            """, parameters, ct);
    }

    /// <summary>
    /// The before/after of an entry as JSON, with no personal data in plain text whatever the caller passed: a value under a key naming
    /// a telephone or mobile number is masked (138****1234), one naming an ID number too (330102********2516). Names are masked by
    /// the modules (a "name" key may be a unit's).
    /// </summary>
    internal static string? AuditJson(object? value)
    {
        if (value is null) return null;
        var node = JsonSerializer.SerializeToNode(value, Json);
        Scrub(node, null);
        return node?.ToJsonString(Json);
    }

    private static void Scrub(JsonNode? node, string? key)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (k, child) in obj.ToList())
                {
                    if (child is JsonValue v && v.TryGetValue<string>(out var text) && Mask(k, text) is { } masked) obj[k] = masked;
                    else Scrub(child, k);
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue v && v.TryGetValue<string>(out var text) && key is not null && Mask(key, text) is { } masked) array[i] = masked;
                    else Scrub(array[i], key);
                }
                break;
        }
    }

    private static string? Mask(string key, string value)
    {
        if (string.IsNullOrEmpty(value) || Domain.Masking.IsMasked(value)) return null;
        if (key.Contains("phone", StringComparison.OrdinalIgnoreCase) || key.Contains("mobile", StringComparison.OrdinalIgnoreCase))
            return Domain.Masking.Phone(value);
        if (key.Contains("idnumber", StringComparison.OrdinalIgnoreCase) || key.Contains("id_number", StringComparison.OrdinalIgnoreCase))
            return Domain.Masking.IdNumber(value);
        return null;
    }

    public Task<IReadOnlyList<AuditEntry>> ForUnitAsync(Guid unitId, int limit, CancellationToken ct) =>
        db.QueryAsync<AuditEntry>("""
            SELECT id, at, module, entity_type AS EntityType, entity_id AS EntityId, unit_id AS UnitId, action,
                   actor_name AS ActorName, actor_role AS ActorRole, before::text AS Before, after::text AS After
            FROM platform.audit_log WHERE unit_id = @unitId ORDER BY at DESC, id DESC LIMIT @limit
            """, new { unitId, limit }, ct);
}
