using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Contracts;
using Declaration.Units.Contracts;
using Mediator;

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
    public async Task<PlacementRow> LoadForUnitChangeAsync(Guid placementId, DeclarationWindow window, CancellationToken ct)
    {
        var (_, row) = await LoadAsync(placementId, ct, forUpdate: true);
        Features.Declare.PlacementWriter.EnsureUnitActor(user);
        await window.EnsureOpenAsync(row.UnitId, row.BusinessYear, ct);
        return row;
    }

    public async Task<bool> IsUnlockedAsync(Guid unitId, int businessYear, CancellationToken ct) =>
        await db.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM placement.unlocked_year WHERE unit_id = @unitId AND business_year = @businessYear)",
            new { unitId, businessYear }, ct);

    public Task<long> EvidenceCountAsync(Guid placementId, CancellationToken ct) =>
        db.ExecuteScalarAsync<long>("SELECT count(*) FROM placement.dispute_evidence WHERE placement_id = @placementId", new { placementId }, ct);

    public static void EnsureVersion(PlacementRow row, int version)
    {
        if (row.Version != version) throw new ConflictException("该人员信息已被他人修改，请刷新页面后重新操作");
    }
}

/// <summary>
/// The one place that asks AnnualReview whether a unit may change its placements of a year (window open, year not certified).
/// Every change of a placement goes through <see cref="EnsureOpenAsync"/>.
/// </summary>
internal sealed class DeclarationWindow(ISender sender)
{
    public async Task EnsureOpenAsync(Guid unitId, int businessYear, CancellationToken ct)
    {
        var answer = await sender.Send(new CheckDeclarationOpen(unitId, businessYear), ct);
        Rules.Check(new DeclarationOpenRule(answer.Open, answer.Reason));
    }
}

/// <summary>Hands a placement's facts to Certification (step 3) and tells it when a placement is withdrawn.</summary>
internal sealed class CertificationGateway(ISender sender, IPersonalDataProtector protector)
{
    public Task<CertificationResultDto> CertifyAsync(PlacementRow row, CancellationToken ct) =>
        sender.Send(new CertifyPlacement(new PlacementFacts(row.Id, row.UnitId, row.CreditCode, row.BusinessYear, protector.Decrypt(row.IdNumberEnc),
            protector.Decrypt(row.NameEnc), row.CertificateType, protector.Decrypt(row.CertificateNumberEnc), row.EmploymentStart, row.EmploymentEnd,
            row.ContractType, row.ContractStart, row.ContractEnd, row.MonthlyWage, row.RetirementBase50)), ct).AsTask();

    public Task ForgetAsync(Guid placementId, CancellationToken ct) => sender.Send(new ForgetPlacement(placementId), ct).AsTask();
}
