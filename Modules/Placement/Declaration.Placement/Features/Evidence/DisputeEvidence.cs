using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Files;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Mediator;

namespace Declaration.Placement.Features.Evidence;

/// <summary>Uploads one dispute evidence file (PDF/JPG/PNG by content, ≤ 10 MB, ≤ 20 per placement) while the placement is editable.</summary>
internal sealed class AddDisputeEvidenceHandler(IDbSession db, PlacementStore store, ICurrentUser user, DeclarationWindow window, IFileStorage files,
    IAuditLog audit, TimeProvider clock) : ICommandHandler<AddDisputeEvidence, Guid>
{
    public async ValueTask<Guid> Handle(AddDisputeEvidence command, CancellationToken ct)
    {
        var (row, _) = await store.LoadForUnitChangeAsync(command.PlacementId, window, ct);
        PlacementTransitions.EnsureSubmittable(row);
        Rules.Check(new EvidenceLimitRule(await store.EvidenceCountAsync(row.Id, ct)));
        var file = await files.SaveEvidenceAsync(command.Content, command.FileName, ct);
        await db.ExecuteAsync("""
            INSERT INTO placement.dispute_evidence (file_id, placement_id, file_name, content_type, size_bytes, uploaded_at, uploaded_by)
            VALUES (@Id, @placementId, @FileName, @ContentType, @SizeBytes, @now, @by)
            """, new { file.Id, placementId = row.Id, file.FileName, file.ContentType, file.SizeBytes, now = clock.GetUtcNow(), by = user.UserName }, ct);
        await audit.RecordAsync(PlacementWriter.Module, "DisputeEvidence", file.Id.ToString(), row.UnitId, "上传异议证明材料", null,
            new { placement = row.NameMasked, file.FileName, file.ContentType, file.SizeBytes, file.Sha256 }, ct);
        return file.Id;
    }
}

internal sealed class DeleteDisputeEvidenceHandler(IDbSession db, PlacementStore store, DeclarationWindow window, IAuditLog audit)
    : ICommandHandler<DeleteDisputeEvidence, bool>
{
    public async ValueTask<bool> Handle(DeleteDisputeEvidence command, CancellationToken ct)
    {
        var (row, _) = await store.LoadForUnitChangeAsync(command.PlacementId, window, ct);
        PlacementTransitions.EnsureSubmittable(row);
        var name = await db.QuerySingleOrDefaultAsync<string>(
            "DELETE FROM placement.dispute_evidence WHERE file_id = @FileId AND placement_id = @PlacementId RETURNING file_name", command, ct)
            ?? throw new NotFoundException("未找到该证明材料");
        await audit.RecordAsync(PlacementWriter.Module, "DisputeEvidence", command.FileId.ToString(), row.UnitId, "删除异议证明材料",
            new { placement = row.NameMasked, name }, null, ct);
        return true;
    }
}
