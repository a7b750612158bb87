using System.Text.Json;
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
}

internal sealed class AuditLog(IDbSession db, ICurrentUser user, TimeProvider clock) : IAuditLog
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public Task RecordAsync(string module, string entityType, string entityId, Guid? unitId, string action, object? before, object? after, CancellationToken ct) =>
        db.ExecuteAsync("""
            INSERT INTO platform.audit_log (at, module, entity_type, entity_id, unit_id, action, actor_id, actor_name, actor_role, ip, before, after)
            VALUES (@at, @module, @entityType, @entityId, @unitId, @action, @actorId, @actorName, @actorRole, @ip, @before::jsonb, @after::jsonb)
            """,
            new
            {
                at = clock.GetUtcNow(), module, entityType, entityId, unitId, action, actorId = user.UserId, actorName = user.UserName,
                actorRole = user.Role.ToString(), ip = user.IpAddress,
                before = before is null ? null : JsonSerializer.Serialize(before, Json),
                after = after is null ? null : JsonSerializer.Serialize(after, Json),
            }, ct);

    public Task<IReadOnlyList<AuditEntry>> ForUnitAsync(Guid unitId, int limit, CancellationToken ct) =>
        db.QueryAsync<AuditEntry>("""
            SELECT id, at, module, entity_type AS EntityType, entity_id AS EntityId, unit_id AS UnitId, action,
                   actor_name AS ActorName, actor_role AS ActorRole, before::text AS Before, after::text AS After
            FROM platform.audit_log WHERE unit_id = @unitId ORDER BY at DESC, id DESC LIMIT @limit
            """, new { unitId, limit }, ct);
}
