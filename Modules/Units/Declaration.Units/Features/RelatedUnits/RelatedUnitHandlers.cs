using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Files;
using Declaration.Units.Contracts;
using Declaration.Units.Domain;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Declaration.Units.Features.RelatedUnits;

internal static class RelatedUnitRules
{
    public static void Apply<T>(AbstractValidator<T> v, Func<T, string> creditCode, Func<T, string> name, Func<T, string> type,
        Func<T, DateOnly> from, Func<T, DateOnly?> to, Func<T, string?> region, Func<T, string?> phone, Func<T, string?> address)
    {
        v.RuleFor(x => creditCode(x)).Must(c => Identifiers.CheckCreditCode(c).Result != Identifiers.CreditCodeCheck.Invalid)
            .WithMessage(x => Identifiers.CheckCreditCode(creditCode(x)).Message ?? "统一社会信用代码不合法").OverridePropertyName("RelatedCreditCode");
        v.RuleFor(x => name(x)).NotEmpty().WithMessage("请填写关联单位名称").MaximumLength(200).WithMessage("单位名称不能超过200字").OverridePropertyName("RelatedName");
        v.RuleFor(x => type(x)).Must(t => t is not null && RelationTypes.Labels.ContainsKey(t)).WithMessage("请选择关联类型").OverridePropertyName("RelationType");
        v.RuleFor(x => from(x)).Must(d => d.Year >= 2000).WithMessage("请填写有效的起始日期").OverridePropertyName("ValidFrom");
        v.RuleFor(x => to(x)).Must((x, t) => t is null || t.Value >= from(x)).WithMessage("终止日期不能早于起始日期").OverridePropertyName("ValidTo");
        v.RuleFor(x => region(x)).Must(r => string.IsNullOrWhiteSpace(r) || Identifiers.CheckRegionCode(r) is null).WithMessage("所属行政区应为6位行政区划代码").OverridePropertyName("RegionCode");
        v.RuleFor(x => phone(x)).Must(p => string.IsNullOrWhiteSpace(p) || Identifiers.CheckLegalPhone(p) is null).WithMessage("联系电话应为手机号码或固定电话").OverridePropertyName("Phone");
        v.RuleFor(x => address(x)).MaximumLength(200).WithMessage("地址不能超过200字").OverridePropertyName("Address");
    }

    public static string? Clean(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

internal sealed class AddRelatedUnitValidator : AbstractValidator<AddRelatedUnit>
{
    public AddRelatedUnitValidator() => RelatedUnitRules.Apply(this, x => x.RelatedCreditCode, x => x.RelatedName, x => x.RelationType,
        x => x.ValidFrom, x => x.ValidTo, x => x.RegionCode, x => x.Phone, x => x.Address);
}

internal sealed class EditRelatedUnitValidator : AbstractValidator<EditRelatedUnit>
{
    public EditRelatedUnitValidator() => RelatedUnitRules.Apply(this, x => x.RelatedCreditCode, x => x.RelatedName, x => x.RelationType,
        x => x.ValidFrom, x => x.ValidTo, x => x.RegionCode, x => x.Phone, x => x.Address);
}

/// <summary>Loads a related unit of a unit the caller may see; another unit's related unit is "not found".</summary>
internal sealed class RelatedUnitStore(IDbSession db, UnitAccess access, TimeProvider clock)
{
    public DateOnly Today => ChinaTime.Today(clock);

    public async Task<(UnitDto Unit, RelatedUnitRow Row)> LoadAsync(Guid unitId, Guid relatedUnitId, CancellationToken ct, bool forUpdate = false)
    {
        var unit = forUpdate ? await access.LoadForEditAsync(unitId, ct) : await access.LoadAsync(unitId, ct);
        var row = await db.QuerySingleOrDefaultAsync<RelatedUnitRow>(
            $"SELECT {UnitSql.RelatedColumns} FROM units.related_unit r WHERE r.id = @relatedUnitId AND r.unit_id = @unitId{(forUpdate ? " FOR UPDATE" : string.Empty)}",
            new { unitId, relatedUnitId }, ct) ?? throw new NotFoundException("未找到该关联单位");
        return (unit, row);
    }

    public async Task<IReadOnlyList<EvidenceFileDto>> EvidenceAsync(Guid relatedUnitId, CancellationToken ct) =>
        await db.QueryAsync<EvidenceFileDto>("""
            SELECT file_id AS Id, file_name AS FileName, content_type AS ContentType, size_bytes AS SizeBytes, uploaded_at AS UploadedAt
            FROM units.related_unit_evidence WHERE related_unit_id = @relatedUnitId ORDER BY uploaded_at
            """, new { relatedUnitId }, ct);
}

internal sealed class GetRelatedUnitsHandler(IDbSession db, UnitAccess access, RelatedUnitStore store) : IQueryHandler<GetRelatedUnits, IReadOnlyList<RelatedUnitDto>>
{
    public async ValueTask<IReadOnlyList<RelatedUnitDto>> Handle(GetRelatedUnits query, CancellationToken ct)
    {
        await access.LoadAsync(query.UnitId, ct);
        var rows = await db.QueryAsync<RelatedUnitRow>($"""
            SELECT {UnitSql.RelatedColumns} FROM units.related_unit r
            WHERE r.unit_id = @UnitId AND r.valid_from <= @To AND (r.valid_to IS NULL OR r.valid_to >= @From)
            ORDER BY r.valid_from, r.related_name
            """, query, ct);
        var result = new List<RelatedUnitDto>(rows.Count);
        foreach (var row in rows) result.Add(row.ToDto(store.Today, await store.EvidenceAsync(row.Id, ct)));
        return result;
    }
}

internal sealed class AddRelatedUnitHandler(IDbSession db, UnitAccess access, IAuditLog audit, UnitEvents events, TimeProvider clock)
    : ICommandHandler<AddRelatedUnit, Guid>
{
    public async ValueTask<Guid> Handle(AddRelatedUnit command, CancellationToken ct)
    {
        var unit = await access.LoadForEditAsync(command.UnitId, ct);
        var code = Identifiers.NormalizeCreditCode(command.RelatedCreditCode);
        Rules.Check(new UnitIsNotItsOwnRelatedUnitRule(unit.CreditCode, code));
        var id = Guid.NewGuid();
        var values = new
        {
            id, command.UnitId, code, name = command.RelatedName.Trim(), command.RelationType, command.ValidFrom, command.ValidTo,
            region = RelatedUnitRules.Clean(command.RegionCode), address = RelatedUnitRules.Clean(command.Address), phone = RelatedUnitRules.Clean(command.Phone),
            now = clock.GetUtcNow(),
        };
        try
        {
            await db.ExecuteAsync("""
                INSERT INTO units.related_unit (id, unit_id, related_credit_code, related_name, relation_type, valid_from, valid_to, region_code, address, phone, created_at, updated_at)
                VALUES (@id, @UnitId, @code, @name, @RelationType, @ValidFrom, @ValidTo, @region, @address, @phone, @now, @now)
                """, values, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new ConflictException("该关联单位（同一信用代码、关联类型和起始日期）已登记");
        }
        await audit.RecordAsync("Units", "RelatedUnit", id.ToString(), command.UnitId, "添加关联单位", null, values with { now = default(DateTimeOffset) }, ct);
        await events.RelatedUnitsChangedAsync(command.UnitId, ct);
        return id;
    }
}

internal sealed class EditRelatedUnitHandler(IDbSession db, RelatedUnitStore store, IAuditLog audit, UnitEvents events, TimeProvider clock)
    : ICommandHandler<EditRelatedUnit, int>
{
    public async ValueTask<int> Handle(EditRelatedUnit command, CancellationToken ct)
    {
        var (unit, row) = await store.LoadAsync(command.UnitId, command.RelatedUnitId, ct, forUpdate: true);
        if (row.Version != command.Version) throw new ConflictException("该关联单位已被他人修改，请刷新页面后重新修改");
        var code = Identifiers.NormalizeCreditCode(command.RelatedCreditCode);
        var region = RelatedUnitRules.Clean(command.RegionCode);
        Rules.Check(new UnitIsNotItsOwnRelatedUnitRule(unit.CreditCode, code));
        Rules.Check(new RelatedUnitWithHistoryKeepsIdentityRule(row, store.Today, code, region, command.RelationType, command.ValidFrom));
        var version = await db.ExecuteScalarAsync<int>("""
            UPDATE units.related_unit SET related_credit_code = @code, related_name = @name, relation_type = @RelationType, valid_from = @ValidFrom,
                valid_to = @ValidTo, region_code = @region, address = @address, phone = @phone, version = version + 1, updated_at = @now
            WHERE id = @RelatedUnitId AND version = @Version RETURNING version
            """, new
        {
            code, name = command.RelatedName.Trim(), command.RelationType, command.ValidFrom, command.ValidTo, region,
            address = RelatedUnitRules.Clean(command.Address), phone = RelatedUnitRules.Clean(command.Phone), command.RelatedUnitId, command.Version,
            now = clock.GetUtcNow(),
        }, ct);
        if (version == 0) throw new ConflictException("该关联单位已被他人修改，请刷新页面后重新修改");
        var (_, after) = await store.LoadAsync(command.UnitId, command.RelatedUnitId, ct);
        await audit.RecordAsync("Units", "RelatedUnit", row.Id.ToString(), command.UnitId, "修改关联单位", row with { Version = 0 }, after with { Version = 0 }, ct);
        await events.RelatedUnitsChangedAsync(command.UnitId, ct);
        return version;
    }
}

internal sealed class DeleteRelatedUnitHandler(IDbSession db, RelatedUnitStore store, IAuditLog audit, UnitEvents events) : ICommandHandler<DeleteRelatedUnit, bool>
{
    public async ValueTask<bool> Handle(DeleteRelatedUnit command, CancellationToken ct)
    {
        var (_, row) = await store.LoadAsync(command.UnitId, command.RelatedUnitId, ct, forUpdate: true);
        if (row.Version != command.Version) throw new ConflictException("该关联单位已被他人修改，请刷新页面后再操作");
        Rules.Check(new RelatedUnitWithHistoryIsKeptRule(row, store.Today));
        await db.ExecuteAsync("DELETE FROM units.related_unit WHERE id = @id", new { id = row.Id }, ct);
        await audit.RecordAsync("Units", "RelatedUnit", row.Id.ToString(), command.UnitId, "删除关联单位", row, null, ct);
        await events.RelatedUnitsChangedAsync(command.UnitId, ct);
        return true;
    }
}

internal sealed class AddRelatedUnitEvidenceHandler(IDbSession db, RelatedUnitStore store, IFileStorage files, IAuditLog audit, ICurrentUser user, TimeProvider clock)
    : ICommandHandler<AddRelatedUnitEvidence, Guid>
{
    public async ValueTask<Guid> Handle(AddRelatedUnitEvidence command, CancellationToken ct)
    {
        var (_, row) = await store.LoadAsync(command.UnitId, command.RelatedUnitId, ct, forUpdate: true);
        var count = await db.ExecuteScalarAsync<long>("SELECT count(*) FROM units.related_unit_evidence WHERE related_unit_id = @id", new { id = row.Id }, ct);
        if (count >= 20) throw new BusinessRuleException("EvidenceLimit", "每个关联单位最多上传20个证明材料");
        var file = await files.SaveEvidenceAsync(command.Content, command.FileName, ct);
        await db.ExecuteAsync("""
            INSERT INTO units.related_unit_evidence (file_id, related_unit_id, file_name, content_type, size_bytes, uploaded_at, uploaded_by)
            VALUES (@Id, @relatedUnitId, @FileName, @ContentType, @SizeBytes, @now, @by)
            """, new { file.Id, relatedUnitId = row.Id, file.FileName, file.ContentType, file.SizeBytes, now = clock.GetUtcNow(), by = user.UserName }, ct);
        await audit.RecordAsync("Units", "RelatedUnitEvidence", file.Id.ToString(), command.UnitId, "上传关联单位证明材料", null,
            new { relatedUnit = row.RelatedName, file.FileName, file.ContentType, file.SizeBytes, file.Sha256 }, ct);
        return file.Id;
    }
}

internal sealed class DeleteRelatedUnitEvidenceHandler(IDbSession db, RelatedUnitStore store, IAuditLog audit) : ICommandHandler<DeleteRelatedUnitEvidence, bool>
{
    public async ValueTask<bool> Handle(DeleteRelatedUnitEvidence command, CancellationToken ct)
    {
        var (_, row) = await store.LoadAsync(command.UnitId, command.RelatedUnitId, ct, forUpdate: true);
        Rules.Check(new EvidenceOfRelatedUnitWithHistoryIsKeptRule(row, store.Today));
        var name = await db.QuerySingleOrDefaultAsync<string>(
            "DELETE FROM units.related_unit_evidence WHERE file_id = @FileId AND related_unit_id = @RelatedUnitId RETURNING file_name", command, ct)
            ?? throw new NotFoundException("未找到该证明材料");
        await audit.RecordAsync("Units", "RelatedUnitEvidence", command.FileId.ToString(), command.UnitId, "删除关联单位证明材料", new { relatedUnit = row.RelatedName, name }, null, ct);
        return true;
    }
}

/// <summary>A download of evidence is audited (who read which file of which unit, when).</summary>
internal sealed class GetRelatedUnitEvidenceHandler(IDbSession db, RelatedUnitStore store, IFileStorage files, IAuditLog audit) : IQueryHandler<GetRelatedUnitEvidence, FileDownload>
{
    public async ValueTask<FileDownload> Handle(GetRelatedUnitEvidence query, CancellationToken ct)
    {
        var (_, related) = await store.LoadAsync(query.UnitId, query.RelatedUnitId, ct);
        var exists = await db.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM units.related_unit_evidence WHERE file_id = @FileId AND related_unit_id = @RelatedUnitId)", query, ct);
        if (!exists) throw new NotFoundException("未找到该证明材料");
        var opened = await files.OpenAsync(query.FileId, ct) ?? throw new NotFoundException("证明材料文件已丢失");
        await audit.RecordAsync("Units", "RelatedUnitEvidence", query.FileId.ToString(), query.UnitId, "下载关联单位证明材料", null,
            new { relatedUnit = related.RelatedName, opened.File.FileName }, ct);
        return new FileDownload(opened.File.FileName, opened.File.ContentType, opened.Content);
    }
}
