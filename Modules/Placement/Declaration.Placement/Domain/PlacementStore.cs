using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Contracts;
using Declaration.Units.Contracts;
using Mediator;
using Npgsql;

namespace Declaration.Placement.Domain;

/// <summary>
/// Loads placements the caller may see: another unit's placement is "not found" to an employer (404); a reviewer outside
/// the unit's jurisdiction is refused (403, through Units' CheckUnitAccess).
/// </summary>
internal sealed class PlacementStore(IDbSession db, ISender sender, ICurrentUser user)
{
    public async Task<(UnitDto Unit, PlacementRow Row)> LoadAsync(Guid placementId, CancellationToken ct, bool forUpdate = false)
    {
        var row = await db.QuerySingleOrDefaultAsync<PlacementRow>(
            $"SELECT {PlacementSql.Columns} FROM placement.placement p WHERE p.id = @placementId{(forUpdate ? " FOR UPDATE" : string.Empty)}",
            new { placementId }, ct);
        if (row is null || (user.Role == Role.Employer && user.UnitId != row.UnitId)) throw new NotFoundException("未找到该安置人员");
        var unit = await sender.Send(new CheckUnitAccess(row.UnitId), ct);
        return (unit, row);
    }

    /// <summary>Loads a placement for a change by its unit: locked for update, the caller a unit actor, the declaration open.</summary>
    public async Task<(PlacementRow Row, DeclarationOpenDto Window)> LoadForUnitChangeAsync(Guid placementId, DeclarationWindow window, CancellationToken ct)
    {
        var (_, row) = await LoadAsync(placementId, ct, forUpdate: true);
        PlacementWriter.EnsureUnitActor(user);
        var open = await window.EnsureOpenAsync(row.UnitId, row.BusinessYear, ct);
        return (row, open);
    }

    public Task<long> EvidenceCountAsync(Guid placementId, CancellationToken ct) =>
        db.ExecuteScalarAsync<long>("SELECT count(*) FROM placement.dispute_evidence WHERE placement_id = @placementId", new { placementId }, ct);

    public static void EnsureVersion(PlacementRow row, int version)
    {
        if (row.Version != version) throw PlacementWriter.Stale();
    }
}

/// <summary>
/// The one place that asks AnnualReview whether a unit may change its placements of a year (window open, year not certified) and
/// whether an approved reopen has unlocked its Confirmed placements. Every change of a placement goes through
/// <see cref="EnsureOpenAsync"/>.
/// </summary>
internal sealed class DeclarationWindow(ISender sender)
{
    public async Task<DeclarationOpenDto> EnsureOpenAsync(Guid unitId, int businessYear, CancellationToken ct)
    {
        var answer = await sender.Send(new CheckDeclarationOpen(unitId, businessYear), ct);
        Rules.Check(new DeclarationOpenRule(answer.Open, answer.Reason));
        return answer;
    }

    /// <summary>
    /// The same check for a new placement, with the COMMIT (no read of its own; a declaration needs no reopen flag): call it after the
    /// last statement the transaction runs before its COMMIT, so that it travels with the queued writes.
    /// </summary>
    public async Task EnsureOpenAtCommitAsync(Guid unitId, int businessYear, CancellationToken ct) =>
        await sender.Send(new EnsureDeclarationOpenAtCommit(unitId, businessYear), ct);
}

/// <summary>
/// Placement's side of the engine: hands a placement's facts to Certification (step 3), locks results when placements are confirmed,
/// forgets deleted placements — each a request inside our own transaction, so the two never disagree — and keeps our projection
/// of the automatic result (the review queue's counts and flags) from Certification's replies.
/// </summary>
internal sealed class CertificationGateway(IDbSession db, ISender sender, IPersonalDataProtector protector)
{
    public static PlacementFacts Facts(PlacementRow row, string idNumber) => new(row.Id, row.UnitId, row.BusinessYear, idNumber, row.EmploymentStart,
        row.EmploymentEnd, row.ContractType, row.ContractStart, row.ContractEnd, row.MonthlyWage, row.RetirementBase50);

    public static PlacementFacts Facts(Guid id, Guid unitId, PlacementFields f) => new(id, unitId, f.BusinessYear, f.NormalizedIdNumber, f.EmploymentStart,
        f.EmploymentEnd, f.ContractType, f.ContractStart, f.ContractEnd, f.MonthlyWage, f.RetirementBase50);

    public static ResultSummary Summary(CertificationResultDto r) =>
        new(r.PlacementId, r.QualifyingMonths, r.PersonMonths, r.HasFlags, r.AllQualifyWithoutFlags, r.Version);

    /// <summary>Certifies a new placement's facts (a declaration, before its row is written; the caller writes the result with it).</summary>
    public Task<CertificationResultDto> CertifyNewAsync(PlacementFacts facts, CancellationToken ct) =>
        sender.Send(new CertifyPlacement(facts, NewPlacement: true), ct).AsTask();

    /// <summary>Certifies a placement's facts again (they changed, or were never certified).</summary>
    public Task<CertificationResultDto> CertifyAsync(PlacementFacts facts, CancellationToken ct) => sender.Send(new CertifyPlacement(facts), ct).AsTask();

    public async Task<CertificationResultDto> CertifyAsync(PlacementRow row, CancellationToken ct)
    {
        var result = await CertifyAsync(Facts(row, protector.Decrypt(row.IdNumberEnc)), ct);
        await ApplyAsync([result], ct);
        return result;
    }

    public async Task<IReadOnlyList<CertificationResultDto>> LockAsync(IReadOnlyList<Guid> placementIds, CancellationToken ct)
    {
        var results = await sender.Send(new LockCertificationResults(placementIds), ct);
        await ApplyAsync(results, ct);
        return results;
    }

    public Task ForgetAsync(Guid placementId, CancellationToken ct) => sender.Send(new ForgetPlacement(placementId), ct).AsTask();

    public Task ApplyAsync(IReadOnlyList<CertificationResultDto> results, CancellationToken ct) =>
        ApplyAsync(results.Select(Summary).ToList(), ct);

    /// <summary>
    /// Our projection of the automatic result: applied only when its version is not older than the one we hold. The rows are locked
    /// in PostgreSQL's key order before any is written (not .NET's: the two order uuids differently), so two transactions applying
    /// results of the same placements in different orders wait for each other instead of deadlocking.
    /// </summary>
    public async Task<int> ApplyAsync(IReadOnlyList<ResultSummary> results, CancellationToken ct)
    {
        if (results.Count == 0) return 0;
        return await db.ExecuteAsync(ApplySql, ApplyParameters(results), ct);
    }

    /// <summary><see cref="ApplyAsync(IReadOnlyList{ResultSummary}, CancellationToken)"/> as a command to travel with the COMMIT (distinct placements).</summary>
    public static NpgsqlBatchCommand ApplyCommand(IReadOnlyList<ResultSummary> results) => BatchCommands.Create(ApplySql, ApplyParameters(results));

    private const string ApplySql = """
        WITH r AS (SELECT * FROM unnest(@ids::uuid[], @q::int[], @pm::int[], @flagged::boolean[], @clean::boolean[], @v::bigint[])
                   AS r(id, q, pm, flagged, clean, v)),
             locked AS (SELECT p.id FROM placement.placement p WHERE p.id IN (SELECT id FROM r) ORDER BY p.id FOR UPDATE OF p)
        UPDATE placement.placement p SET qualifying_months = r.q, person_months = r.pm, has_flags = r.flagged, all_clean = r.clean, result_version = r.v
        FROM r JOIN locked l ON l.id = r.id
        WHERE p.id = r.id AND p.result_version <= r.v
        """;

    private static object ApplyParameters(IReadOnlyList<ResultSummary> results) => new
    {
        ids = results.Select(r => r.PlacementId).ToArray(), q = results.Select(r => r.QualifyingMonths).ToArray(),
        pm = results.Select(r => r.PersonMonths).ToArray(), flagged = results.Select(r => r.HasFlags).ToArray(),
        clean = results.Select(r => r.AllClean).ToArray(), v = results.Select(r => r.Version).ToArray(),
    };
}

internal sealed record ResultSummary(Guid PlacementId, int QualifyingMonths, int PersonMonths, bool HasFlags, bool AllClean, long Version);
