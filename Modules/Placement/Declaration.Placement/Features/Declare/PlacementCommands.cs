using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Files;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Security;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Declaration.Units.Contracts;
using Mediator;
using Npgsql;

namespace Declaration.Placement.Features.Declare;

/// <summary>Writes placements: the shared steps of declaring, editing and importing (duplicate check, encryption, audit).</summary>
internal sealed class PlacementWriter(IDbSession db, IPersonalDataProtector protector, IAuditLog audit, TimeProvider clock)
{
    public const string Module = "Placement";

    public static void EnsureUnitActor(ICurrentUser user)
    {
        if (user.Role == Role.Reviewer) throw new ForbiddenException("审核人员不能修改单位的安置信息");
    }

    public async Task EnsureNotDuplicateAsync(Guid unitId, int businessYear, string idNumber, Guid? except, CancellationToken ct)
    {
        var exists = await db.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (SELECT 1 FROM placement.placement
                           WHERE unit_id = @unitId AND business_year = @businessYear AND id_number_index = @index AND (@except::uuid IS NULL OR id <> @except))
            """, new { unitId, businessYear, index = protector.BlindIndex(idNumber), except }, ct);
        if (exists) throw Duplicate(idNumber, businessYear);
    }

    public static InputException Duplicate(string idNumber, int businessYear) =>
        new("IdNumber", $"公民身份号码为 {Masking.IdNumber(idNumber)} 的人员已在本单位{businessYear}年度登记，同一人员在同一业务年度不能重复登记；如需修改请在列表中点击“重新登记”");

    public async Task<PlacementRow> InsertAsync(UnitDto unit, PlacementFields f, PlacementState state, CancellationToken ct)
    {
        var id = Guid.NewGuid();
        var (category, level) = f.CategoryAndLevel;
        try
        {
            await db.ExecuteAsync("""
                INSERT INTO placement.placement (id, unit_id, credit_code, business_year, id_number_enc, id_number_index, id_number_masked, name_enc, name_masked,
                    certificate_type, certificate_number_enc, category, level, employment_start, employment_end, contract_type, contract_start, contract_end,
                    monthly_wage, retirement_base_50, phone, facts_hash, state, created_at, updated_at)
                VALUES (@id, @unitId, @creditCode, @BusinessYear, @idEnc, @idIndex, @idMasked, @nameEnc, @nameMasked, @CertificateType, @certEnc, @category, @level,
                    @EmploymentStart, @EmploymentEnd, @ContractType, @ContractStart, @ContractEnd, @MonthlyWage, @RetirementBase50, @phone, @factsHash, @state, @now, @now)
                """, Parameters(f, new
            {
                id, unitId = unit.Id, creditCode = unit.CreditCode, category, level, state = state.ToString(), now = clock.GetUtcNow(),
            }), ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw Duplicate(f.NormalizedIdNumber, f.BusinessYear);
        }
        var row = await LoadAsync(id, ct);
        await audit.RecordAsync(Module, "Placement", id.ToString(), unit.Id, "添加残疾人", null, row.AuditView(), ct);
        return row;
    }

    /// <summary>Replaces the declared facts (重新登记): back to Draft, dispute cleared, version + 1.</summary>
    public async Task<PlacementRow> UpdateAsync(PlacementRow before, PlacementFields f, string action, CancellationToken ct)
    {
        var (category, level) = f.CategoryAndLevel;
        var updated = await db.ExecuteAsync("""
            UPDATE placement.placement SET id_number_enc = @idEnc, id_number_index = @idIndex, id_number_masked = @idMasked, name_enc = @nameEnc,
                name_masked = @nameMasked, certificate_type = @CertificateType, certificate_number_enc = @certEnc, category = @category, level = @level,
                employment_start = @EmploymentStart, employment_end = @EmploymentEnd, contract_type = @ContractType, contract_start = @ContractStart,
                contract_end = @ContractEnd, monthly_wage = @MonthlyWage, retirement_base_50 = @RetirementBase50, phone = @phone, facts_hash = @factsHash, state = 'Draft',
                disputed_months = '{}', dispute_reason = NULL, version = version + 1, updated_at = @now
            WHERE id = @id AND version = @version
            """, Parameters(f, new { id = before.Id, version = before.Version, category, level, now = clock.GetUtcNow() }), ct);
        if (updated == 0) throw new ConflictException("该人员信息已被他人修改，请刷新页面后重新操作");
        var after = await LoadAsync(before.Id, ct);
        await audit.RecordAsync(Module, "Placement", before.Id.ToString(), before.UnitId, action, before.AuditView(), after.AuditView(), ct);
        return after;
    }

    /// <summary>Moves the state (with the columns that go with it), checking the version; returns the new row.</summary>
    public async Task<PlacementRow> TransitionAsync(PlacementRow before, PlacementState to, string action, CancellationToken ct,
        int[]? disputedMonths = null, string? disputeReason = null, string? returnReason = null, bool keepReturnReason = false)
    {
        var updated = await db.ExecuteAsync("""
            UPDATE placement.placement SET state = @to, disputed_months = @months, dispute_reason = @disputeReason,
                return_reason = CASE WHEN @keepReturn THEN return_reason ELSE @returnReason END,
                submitted_at = CASE WHEN @to IN ('AwaitingReview', 'Disputed') THEN @now ELSE submitted_at END,
                version = version + 1, updated_at = @now
            WHERE id = @id AND version = @version
            """, new
        {
            id = before.Id, version = before.Version, to = to.ToString(), months = disputedMonths ?? [], disputeReason, returnReason,
            keepReturn = keepReturnReason, now = clock.GetUtcNow(),
        }, ct);
        if (updated == 0) throw new ConflictException("该人员信息已被他人修改，请刷新页面后重新操作");
        var after = await LoadAsync(before.Id, ct);
        await audit.RecordAsync(Module, "Placement", before.Id.ToString(), before.UnitId, action, before.AuditView(), after.AuditView(), ct);
        return after;
    }

    public Task<PlacementRow> LoadAsync(Guid id, CancellationToken ct) =>
        db.QuerySingleAsync<PlacementRow>($"SELECT {PlacementSql.Columns} FROM placement.placement p WHERE p.id = @id", new { id }, ct);

    private Dapper.DynamicParameters Parameters(PlacementFields f, object extra)
    {
        var p = new Dapper.DynamicParameters(extra);
        var idNumber = f.NormalizedIdNumber;
        p.AddDynamicParams(new
        {
            f.BusinessYear, idEnc = protector.Encrypt(idNumber), idIndex = protector.BlindIndex(idNumber), idMasked = Masking.IdNumber(idNumber),
            nameEnc = protector.Encrypt(f.CleanName), nameMasked = Masking.Name(f.CleanName), f.CertificateType,
            certEnc = protector.Encrypt(f.NormalizedCertificateNumber), f.EmploymentStart, f.EmploymentEnd, f.ContractType, f.ContractStart,
            f.ContractEnd, f.MonthlyWage, f.RetirementBase50, phone = f.CleanPhone, factsHash = protector.BlindIndex(f.Canonical),
        });
        return p;
    }
}

internal sealed class DeclarePlacementHandler(ISender sender, ICurrentUser user, PlacementWriter writer, DeclarationWindow window, CertificationGateway certification)
    : ICommandHandler<DeclarePlacement, PlacementSaved>
{
    public async ValueTask<PlacementSaved> Handle(DeclarePlacement command, CancellationToken ct)
    {
        var unit = await sender.Send(new CheckUnitAccess(command.UnitId), ct);
        PlacementWriter.EnsureUnitActor(user);
        await window.EnsureOpenAsync(unit.Id, command.BusinessYear, ct);
        var fields = command.Fields();
        await writer.EnsureNotDuplicateAsync(unit.Id, command.BusinessYear, fields.NormalizedIdNumber, null, ct);
        var row = await writer.InsertAsync(unit, fields, PlacementState.Draft, ct);
        await certification.CertifyAsync(row, ct);
        return new PlacementSaved(row.Id, row.Version);
    }
}

internal sealed class EditPlacementHandler(PlacementStore store, PlacementWriter writer, DeclarationWindow window,
    CertificationGateway certification, IOutbox outbox, TimeProvider clock) : ICommandHandler<EditPlacement, PlacementSaved>
{
    public async ValueTask<PlacementSaved> Handle(EditPlacement command, CancellationToken ct)
    {
        var row = await store.LoadForUnitChangeAsync(command.PlacementId, window, ct);
        PlacementStore.EnsureVersion(row, command.Version);
        PlacementTransitions.EnsureEditable(row, row.StateValue == PlacementState.Confirmed && await store.IsUnlockedAsync(row.UnitId, row.BusinessYear, ct));
        var fields = command.Fields(row.BusinessYear);
        foreach (var (field, message) in PlacementValidation.Check(fields, ChinaTime.Today(clock))) throw new InputException(field, message);
        await writer.EnsureNotDuplicateAsync(row.UnitId, row.BusinessYear, fields.NormalizedIdNumber, row.Id, ct);
        var after = await writer.UpdateAsync(row, fields, "重新登记", ct);
        await outbox.AddAsync(new PlacementReopened(row.Id, row.UnitId, row.BusinessYear), ct);
        await certification.CertifyAsync(after, ct);
        return new PlacementSaved(after.Id, after.Version);
    }
}

internal sealed class SubmitPlacementHandler(PlacementStore store, PlacementWriter writer, DeclarationWindow window, IOutbox outbox)
    : ICommandHandler<SubmitPlacement, int>
{
    public async ValueTask<int> Handle(SubmitPlacement command, CancellationToken ct)
    {
        var row = await store.LoadForUnitChangeAsync(command.PlacementId, window, ct);
        PlacementStore.EnsureVersion(row, command.Version);
        PlacementTransitions.EnsureSubmittable(row);
        var after = await writer.TransitionAsync(row, PlacementState.AwaitingReview, "提交审核（无异议）", ct);
        await outbox.AddAsync(new PlacementSubmitted(row.Id, row.UnitId, row.BusinessYear, row.NameMasked), ct);
        return after.Version;
    }
}

internal sealed class DisputePlacementHandler(PlacementStore store, PlacementWriter writer, DeclarationWindow window, IOutbox outbox)
    : ICommandHandler<DisputePlacement, int>
{
    public async ValueTask<int> Handle(DisputePlacement command, CancellationToken ct)
    {
        var row = await store.LoadForUnitChangeAsync(command.PlacementId, window, ct);
        PlacementStore.EnsureVersion(row, command.Version);
        PlacementTransitions.EnsureSubmittable(row);
        Rules.Check(new EvidenceRequiredForDisputeRule(await store.EvidenceCountAsync(row.Id, ct)));
        var months = command.ClaimedMonths.Distinct().Order().ToArray();
        var reason = command.Reason.Trim();
        var after = await writer.TransitionAsync(row, PlacementState.Disputed, "提出异议，提交人工审核", ct, months, reason);
        await outbox.AddAsync(new PlacementDisputed(row.Id, row.UnitId, row.BusinessYear, months, reason, row.NameMasked), ct);
        return after.Version;
    }
}

internal sealed class AddDisputeEvidenceHandler(IDbSession db, PlacementStore store, ICurrentUser user, DeclarationWindow window, IFileStorage files,
    IAuditLog audit, TimeProvider clock) : ICommandHandler<AddDisputeEvidence, Guid>
{
    public async ValueTask<Guid> Handle(AddDisputeEvidence command, CancellationToken ct)
    {
        var row = await store.LoadForUnitChangeAsync(command.PlacementId, window, ct);
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
        var row = await store.LoadForUnitChangeAsync(command.PlacementId, window, ct);
        PlacementTransitions.EnsureSubmittable(row);
        var name = await db.QuerySingleOrDefaultAsync<string>(
            "DELETE FROM placement.dispute_evidence WHERE file_id = @FileId AND placement_id = @PlacementId RETURNING file_name", command, ct)
            ?? throw new NotFoundException("未找到该证明材料");
        await audit.RecordAsync(PlacementWriter.Module, "DisputeEvidence", command.FileId.ToString(), row.UnitId, "删除异议证明材料",
            new { placement = row.NameMasked, name }, null, ct);
        return true;
    }
}

internal sealed class DeletePlacementHandler(IDbSession db, PlacementStore store, DeclarationWindow window, IAuditLog audit,
    IOutbox outbox, CertificationGateway certification) : ICommandHandler<DeletePlacement, bool>
{
    public async ValueTask<bool> Handle(DeletePlacement command, CancellationToken ct)
    {
        var row = await store.LoadForUnitChangeAsync(command.PlacementId, window, ct);
        PlacementStore.EnsureVersion(row, command.Version);
        PlacementTransitions.EnsureEditable(row, row.StateValue == PlacementState.Confirmed && await store.IsUnlockedAsync(row.UnitId, row.BusinessYear, ct));
        await db.ExecuteAsync("DELETE FROM placement.placement WHERE id = @id", new { id = row.Id }, ct);
        await certification.ForgetAsync(row.Id, ct);
        await audit.RecordAsync(PlacementWriter.Module, "Placement", row.Id.ToString(), row.UnitId, "删除", row.AuditView(), null, ct);
        await outbox.AddAsync(new PlacementWithdrawn(row.Id, row.UnitId, row.BusinessYear), ct);
        return true;
    }
}
