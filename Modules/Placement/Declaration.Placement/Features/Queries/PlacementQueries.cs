using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Files;
using Declaration.BuildingBlocks.Security;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.Placement.Features.Queries;

internal sealed class GetPlacementsHandler(IDbSession db, ISender sender)
    : IQueryHandler<GetPlacements, IReadOnlyList<PlacementSummaryDto>>, IQueryHandler<GetPlacementPage, PagedResult<PlacementSummaryDto>>
{
    // Only the list's columns (no encrypted fields), with the qualifying months of our result projection.
    private const string Columns = """
        p.id, p.unit_id AS UnitId, p.business_year AS BusinessYear, p.id_number_masked AS MaskedIdNumber, p.name_masked AS MaskedName,
               p.state, p.certificate_type AS CertificateType, p.category, p.level, p.employment_start AS EmploymentStart,
               p.employment_end AS EmploymentEnd, p.version, p.updated_at AS UpdatedAt,
               CASE WHEN p.result_version > 0 THEN p.qualifying_months END AS QualifyingMonths
        """;

    private const string OfTheYear = "FROM placement.placement p WHERE p.unit_id = @UnitId AND p.business_year = @BusinessYear";

    public async ValueTask<IReadOnlyList<PlacementSummaryDto>> Handle(GetPlacements query, CancellationToken ct)
    {
        await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        return (await db.QueryAsync<SummaryRow>($"SELECT {Columns} {OfTheYear} ORDER BY p.created_at, p.id", query, ct)).Select(Dto).ToList();
    }

    public async ValueTask<PagedResult<PlacementSummaryDto>> Handle(GetPlacementPage query, CancellationToken ct)
    {
        await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        var page = Math.Max(1, query.Page);
        var size = Math.Clamp(query.PageSize, 1, 200);
        var args = new { query.UnitId, query.BusinessYear, offset = (long)(page - 1) * size, size };
        // The page and the year's total in one statement; only a page past the end counts separately.
        var rows = await db.QueryAsync<SummaryRow>(
            $"SELECT count(*) OVER () AS Total, {Columns} {OfTheYear} ORDER BY p.created_at, p.id OFFSET @offset LIMIT @size", args, ct);
        var total = rows.Count > 0 ? rows[0].Total : await db.ExecuteScalarAsync<long>($"SELECT count(*) {OfTheYear}", args, ct);
        return new PagedResult<PlacementSummaryDto>(rows.Select(Dto).ToList(), page, size, total);
    }

    private static PlacementSummaryDto Dto(SummaryRow r) => new(r.Id, r.UnitId, r.BusinessYear, r.MaskedIdNumber, r.MaskedName, Enum.Parse<PlacementState>(r.State),
        r.CertificateType, r.Category, r.Level, r.EmploymentStart, r.EmploymentEnd, r.Version, r.UpdatedAt, r.QualifyingMonths);

    private sealed record SummaryRow
    {
        public Guid Id { get; init; }
        public Guid UnitId { get; init; }
        public int BusinessYear { get; init; }
        public string MaskedIdNumber { get; init; } = null!;
        public string MaskedName { get; init; } = null!;
        public string State { get; init; } = null!;
        public string CertificateType { get; init; } = null!;
        public int? Category { get; init; }
        public int? Level { get; init; }
        public DateOnly EmploymentStart { get; init; }
        public DateOnly? EmploymentEnd { get; init; }
        public int Version { get; init; }
        public DateTimeOffset UpdatedAt { get; init; }
        public int? QualifyingMonths { get; init; }
        public long Total { get; init; }    // the page query's count of the whole year
    }
}

internal sealed class GetPlacementSummaryHandler(IDbSession db, ISender sender) : IQueryHandler<GetPlacementSummary, PlacementCountsDto>
{
    public async ValueTask<PlacementCountsDto> Handle(GetPlacementSummary query, CancellationToken ct)
    {
        await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        // States and categories in one pass (GROUPING SETS): grouped by state when the category column is the grouping's, else by category.
        var rows = await db.QueryAsync<(bool ByCategory, string? State, int? Category, int Count)>("""
            SELECT GROUPING(state) = 1, state, category, count(*)::int FROM placement.placement
            WHERE unit_id = @UnitId AND business_year = @BusinessYear GROUP BY GROUPING SETS ((state), (category))
            """, query, ct);
        var states = rows.Where(r => !r.ByCategory).ToDictionary(r => r.State!, r => r.Count);
        var categories = rows.Where(r => r.ByCategory && r.Category is not null).ToDictionary(r => r.Category!.Value, r => r.Count);
        int Of(PlacementState s) => states.GetValueOrDefault(s.ToString());
        return new PlacementCountsDto(query.UnitId, query.BusinessYear, states.Values.Sum(), Of(PlacementState.Draft), Of(PlacementState.AwaitingReview),
            Of(PlacementState.Disputed), Of(PlacementState.Confirmed), Of(PlacementState.Returned), categories);
    }
}

internal sealed class GetPlacementDetailHandler(IDbSession db, PlacementStore store, ICurrentUser user, IPersonalDataProtector protector, IAuditLog audit)
    : IQueryHandler<GetPlacementDetail, PlacementDetailDto>
{
    public async ValueTask<PlacementDetailDto> Handle(GetPlacementDetail query, CancellationToken ct)
    {
        var (_, row) = await store.LoadAsync(query.PlacementId, ct);
        // The owning unit's clerk and staff in jurisdiction (access already checked) see the full values; each full view is audited.
        var full = user.Role is Role.Employer or Role.Reviewer or Role.Admin;
        string idNumber, name, certificate;
        if (full)
        {
            idNumber = protector.Decrypt(row.IdNumberEnc);
            name = protector.Decrypt(row.NameEnc);
            certificate = protector.Decrypt(row.CertificateNumberEnc);
            await audit.RecordAsync(PlacementWriter.Module, "Placement", row.Id.ToString(), row.UnitId, "查看完整身份信息", null,
                new { IdNumber = row.IdNumberMasked, Name = row.NameMasked }, ct);
        }
        else
        {
            idNumber = row.IdNumberMasked;
            name = row.NameMasked;
            certificate = Masking.IdNumber(protector.Decrypt(row.CertificateNumberEnc));
        }
        var evidence = await db.QueryAsync<EvidenceDto>("""
            SELECT file_id AS Id, file_name AS FileName, content_type AS ContentType, size_bytes AS SizeBytes, uploaded_at AS UploadedAt
            FROM placement.dispute_evidence WHERE placement_id = @id ORDER BY uploaded_at, file_id
            """, new { id = row.Id }, ct);
        return new PlacementDetailDto(row.Id, row.UnitId, row.BusinessYear, idNumber, name, row.StateValue, row.CertificateType, certificate,
            row.EmploymentStart, row.EmploymentEnd, row.ContractType, row.ContractStart, row.ContractEnd, row.MonthlyWage, row.RetirementBase50, row.Phone,
            row.DisputedMonths, row.DisputeReason, row.ReturnReason, evidence, row.Version);
    }
}

/// <summary>A download of dispute evidence is audited (who read which file of which unit's placement, when).</summary>
internal sealed class GetDisputeEvidenceHandler(IDbSession db, PlacementStore store, IFileStorage files, IAuditLog audit) : IQueryHandler<GetDisputeEvidence, FileDownload>
{
    public async ValueTask<FileDownload> Handle(GetDisputeEvidence query, CancellationToken ct)
    {
        var (_, row) = await store.LoadAsync(query.PlacementId, ct);
        var exists = await db.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM placement.dispute_evidence WHERE file_id = @FileId AND placement_id = @PlacementId)", query, ct);
        if (!exists) throw new NotFoundException("未找到该证明材料");
        var opened = await files.OpenAsync(query.FileId, ct) ?? throw new NotFoundException("证明材料文件已丢失");
        await audit.RecordAsync(PlacementWriter.Module, "DisputeEvidence", query.FileId.ToString(), row.UnitId, "下载异议证明材料", null,
            new { placement = row.NameMasked, opened.File.FileName }, ct);
        return new FileDownload(opened.File.FileName, opened.File.ContentType, opened.Content);
    }
}

internal sealed class IsUnitYearUnlockedHandler(ISender sender) : IQueryHandler<IsUnitYearUnlocked, bool>
{
    public async ValueTask<bool> Handle(IsUnitYearUnlocked query, CancellationToken ct) =>
        (await sender.Send(new CheckDeclarationOpen(query.UnitId, query.BusinessYear), ct)).ConfirmedEditable;
}

internal sealed class GetPlacementNamesHandler(IDbSession db, ICurrentUser user) : IQueryHandler<GetPlacementNames, IReadOnlyDictionary<Guid, string>>
{
    public async ValueTask<IReadOnlyDictionary<Guid, string>> Handle(GetPlacementNames query, CancellationToken ct)
    {
        if (!user.IsStaff()) throw new ForbiddenException("仅系统可以查询人员姓名");
        var rows = await db.QueryAsync<(Guid Id, string Name)>("SELECT id, name_masked FROM placement.placement WHERE id = ANY(@ids)",
            new { ids = query.PlacementIds.ToArray() }, ct);
        return rows.ToDictionary(r => r.Id, r => r.Name);
    }
}
