using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;

namespace Declaration.Units.Domain;

/// <summary>
/// Who may see a unit, as an allow-list (anyone else — an anonymous or unset caller too — is refused): its own employer account; a
/// reviewer whose jurisdiction covers its federation; admins; the system.
/// One request asks many times (the home page composes five modules, each checking the unit; a declaration asks from three): the
/// unit's row is read once per scope and transaction and kept for the reads that follow, while the decision itself is made again on
/// every call for the caller of that moment. What was kept is dropped when a transaction begins or commits, and a transaction that
/// loads a unit for editing (every change to a unit does) reads it afresh on every call from then on. The scope's first read may be
/// answered by the unit the API key's authentication read with the key (<see cref="RequestPreloads"/>); a read for editing never is.
/// </summary>
internal sealed class UnitAccess(IDbSession db, ICurrentUser user, RequestPreloads preloads)
{
    private readonly Dictionary<Guid, UnitDto> _read = [];
    private object? _keptIn;
    private object? _editingIn;
    private Action? _drop;
    private bool _first = true;

    public async Task<UnitDto> LoadAsync(Guid unitId, CancellationToken ct, bool forUpdate = false)
    {
        var own = user.Role == Role.Employer && user.UnitId is { } mine && mine == unitId;
        if (!own && user.Role is not (Role.Reviewer or Role.Admin or Role.System)) throw new NotFoundException("未找到该单位");
        var unit = await ReadAsync(unitId, forUpdate, ct) ?? throw new NotFoundException("未找到该单位");
        if (user.Role == Role.Reviewer && !user.Covers(unit.FederationCode)) throw new ForbiddenException("该单位不在您的管辖范围内");
        return unit;
    }

    private async Task<UnitDto?> ReadAsync(Guid unitId, bool forUpdate, CancellationToken ct)
    {
        var transaction = db.Transaction;
        if (!ReferenceEquals(transaction, _keptIn))
        {
            _read.Clear();
            _keptIn = transaction;
        }
        if (forUpdate)
        {
            _read.Clear();
            _editingIn = transaction;
        }
        var reuse = !forUpdate && (transaction is null || !ReferenceEquals(transaction, _editingIn));
        if (reuse && _read.TryGetValue(unitId, out var kept)) return kept;
        var preloaded = _first ? preloads.Take<UnitDto>(unitId) : null;
        _first = false;
        var unit = !forUpdate && preloaded is not null ? preloaded : await db.QuerySingleOrDefaultAsync<UnitDto>(
            $"SELECT {UnitSql.UnitColumns} FROM units.unit WHERE id = @unitId{(forUpdate ? " FOR UPDATE" : string.Empty)}", new { unitId }, ct);
        if (reuse && unit is not null)
        {
            _read[unitId] = unit;
            // Npgsql hands out the same transaction object again on the connection: a commit must drop what this one kept.
            if (transaction is not null) db.AfterCommit(_drop ??= Drop);
        }
        return unit;
    }

    private void Drop()
    {
        _read.Clear();
        _keptIn = null;
        _editingIn = null;
    }

    /// <summary>Edits by a unit are its own clerk's, or staff's (reviewers in jurisdiction and admins).</summary>
    public async Task<UnitDto> LoadForEditAsync(Guid unitId, CancellationToken ct) => await LoadAsync(unitId, ct, forUpdate: true);
}
