using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;
using Declaration.Units.Domain;
using Declaration.Units.Features.Profile;
using FluentValidation;
using Mediator;

namespace Declaration.Units.Features.RegistryChanges;

internal sealed record RegistryChangeRow(
    Guid Id, Guid UnitId, string UnitCreditCode, string UnitName, string UnitFederationCode,
    string CurrentRegionCode, string CurrentFederationCode, string CurrentTaxAuthorityCode,
    string RegionCode, string FederationCode, string TaxAuthorityCode, string Reason, string Status,
    DateTimeOffset RequestedAt, string RequestedBy, DateTimeOffset? DecidedAt, string? DecidedBy, string? DecisionComment, int Version)
{
    public RegistryChangeDto ToDto() => new(Id, UnitId, UnitCreditCode, UnitName, CurrentRegionCode, CurrentFederationCode, CurrentTaxAuthorityCode,
        RegionCode, FederationCode, TaxAuthorityCode, Reason, Enum.Parse<RegistryChangeStatus>(Status), RequestedAt, RequestedBy, DecidedAt, DecidedBy,
        DecisionComment, Version);
}

internal static class RegistryChangeSql
{
    public const string Select = """
        SELECT r.id, r.unit_id AS UnitId, u.credit_code AS UnitCreditCode, u.name AS UnitName, u.federation_code AS UnitFederationCode,
               r.current_region_code AS CurrentRegionCode, r.current_federation_code AS CurrentFederationCode,
               r.current_tax_authority_code AS CurrentTaxAuthorityCode, r.region_code AS RegionCode, r.federation_code AS FederationCode,
               r.tax_authority_code AS TaxAuthorityCode, r.reason, r.status, r.requested_at AS RequestedAt, r.requested_by AS RequestedBy,
               r.decided_at AS DecidedAt, r.decided_by AS DecidedBy, r.decision_comment AS DecisionComment, r.version
        FROM units.registry_change_request r JOIN units.unit u ON u.id = r.unit_id
        """;
}

internal sealed class RequestRegistryChangeValidator : AbstractValidator<RequestRegistryChange>
{
    public RequestRegistryChangeValidator()
    {
        RuleFor(x => x.RegionCode).Must(r => Identifiers.CheckRegionCode(r) is null).WithMessage("所属行政区应为6位行政区划代码");
        RuleFor(x => x.FederationCode).Must(r => Identifiers.CheckRegionCode(r) is null).WithMessage("残联主管部门应为6位行政区划代码");
        RuleFor(x => x.TaxAuthorityCode).NotEmpty().WithMessage("请填写税务主管部门").MaximumLength(40).WithMessage("税务主管部门代码过长");
        RuleFor(x => x.Reason).NotEmpty().WithMessage("请填写变更原因").MaximumLength(1000).WithMessage("变更原因不能超过1000字");
    }
}

/// <summary>The unit's own clerk asks; nothing changes until a reviewer of the unit's current jurisdiction approves.</summary>
internal sealed class RequestRegistryChangeHandler(IDbSession db, UnitAccess access, ICurrentUser user, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<RequestRegistryChange, Guid>
{
    public async ValueTask<Guid> Handle(RequestRegistryChange command, CancellationToken ct)
    {
        var unit = await access.LoadForEditAsync(command.UnitId, ct);
        if (user.Role is not (Role.Employer or Role.System)) throw new ForbiddenException("登记信息变更须由本单位经办人申请");
        var values = new
        {
            id = Guid.NewGuid(), unitId = unit.Id, RegionCode = command.RegionCode.Trim(), FederationCode = command.FederationCode.Trim(),
            TaxAuthorityCode = command.TaxAuthorityCode.Trim(), Reason = command.Reason.Trim(), now = clock.GetUtcNow(), by = user.UserName,
            currentRegion = unit.RegionCode, currentFederation = unit.FederationCode, currentTax = unit.TaxAuthorityCode,
        };
        if ((values.RegionCode, values.FederationCode, values.TaxAuthorityCode) == (unit.RegionCode, unit.FederationCode, unit.TaxAuthorityCode))
            throw new InputException("RegionCode", "申请的登记信息与现有信息相同，无需变更");
        if (await db.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM units.registry_change_request WHERE unit_id = @unitId AND status = 'Pending')", values, ct))
            throw new ConflictException("本单位已有一项待审核的登记信息变更申请，请等待审核或撤回后再申请");
        await db.ExecuteAsync("""
            INSERT INTO units.registry_change_request (id, unit_id, current_region_code, current_federation_code, current_tax_authority_code,
                region_code, federation_code, tax_authority_code, reason, status, requested_at, requested_by)
            VALUES (@id, @unitId, @currentRegion, @currentFederation, @currentTax, @RegionCode, @FederationCode, @TaxAuthorityCode, @Reason, 'Pending', @now, @by)
            """, values, ct);
        await audit.RecordAsync("Units", "RegistryChange", values.id.ToString(), unit.Id, "申请变更登记信息",
            new { unit.RegionCode, unit.FederationCode, unit.TaxAuthorityCode },
            new { values.RegionCode, values.FederationCode, values.TaxAuthorityCode, values.Reason }, ct);
        return values.id;
    }
}

internal sealed class WithdrawRegistryChangeHandler(IDbSession db, UnitAccess access, ICurrentUser user, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<WithdrawRegistryChange, bool>
{
    public async ValueTask<bool> Handle(WithdrawRegistryChange command, CancellationToken ct)
    {
        var unit = await access.LoadForEditAsync(command.UnitId, ct);
        if (user.Role is not (Role.Employer or Role.System)) throw new ForbiddenException("登记信息变更申请由本单位经办人撤回");
        var status = await db.ExecuteScalarAsync<string?>(
            "SELECT status FROM units.registry_change_request WHERE id = @RequestId AND unit_id = @UnitId FOR UPDATE", command, ct)
            ?? throw new NotFoundException("未找到该变更申请");
        if (status != nameof(RegistryChangeStatus.Pending)) throw new BusinessRuleException("RegistryChangePending", "该申请已审核或已撤回，不能撤回");
        await db.ExecuteAsync("UPDATE units.registry_change_request SET status = 'Withdrawn', decided_at = @now, decided_by = @by, version = version + 1 WHERE id = @RequestId",
            new { command.RequestId, now = clock.GetUtcNow(), by = user.UserName }, ct);
        await audit.RecordAsync("Units", "RegistryChange", command.RequestId.ToString(), unit.Id, "撤回登记信息变更申请", null, null, ct);
        return true;
    }
}

internal sealed class GetRegistryChangesHandler(IDbSession db, UnitAccess access) : IQueryHandler<GetRegistryChanges, IReadOnlyList<RegistryChangeDto>>
{
    public async ValueTask<IReadOnlyList<RegistryChangeDto>> Handle(GetRegistryChanges query, CancellationToken ct)
    {
        await access.LoadAsync(query.UnitId, ct);
        var rows = await db.QueryAsync<RegistryChangeRow>($"{RegistryChangeSql.Select} WHERE r.unit_id = @UnitId ORDER BY r.requested_at DESC LIMIT 50", query, ct);
        return rows.Select(r => r.ToDto()).ToList();
    }
}

internal sealed class GetPendingRegistryChangesHandler(IDbSession db, ICurrentUser user) : IQueryHandler<GetPendingRegistryChanges, PagedResult<RegistryChangeDto>>
{
    public async ValueTask<PagedResult<RegistryChangeDto>> Handle(GetPendingRegistryChanges query, CancellationToken ct)
    {
        if (!user.IsStaff()) throw new ForbiddenException("仅残联业务人员可审核登记信息变更");
        var prefix = user.Role == Role.Reviewer ? user.Jurisdiction ?? "\u0000" : string.Empty;
        var page = Math.Max(1, query.Page);
        var size = Math.Clamp(query.PageSize, 1, 200);
        const string where = "WHERE r.status = 'Pending' AND u.federation_code LIKE @prefix || '%'";
        var total = await db.ExecuteScalarAsync<long>(
            $"SELECT count(*) FROM units.registry_change_request r JOIN units.unit u ON u.id = r.unit_id {where}", new { prefix }, ct);
        var rows = await db.QueryAsync<RegistryChangeRow>($"{RegistryChangeSql.Select} {where} ORDER BY r.requested_at LIMIT @size OFFSET @offset",
            new { prefix, size, offset = (page - 1) * size }, ct);
        return new PagedResult<RegistryChangeDto>(rows.Select(r => r.ToDto()).ToList(), page, size, total);
    }
}

internal sealed class DecideRegistryChangeValidator : AbstractValidator<DecideRegistryChange>
{
    public DecideRegistryChangeValidator()
    {
        RuleFor(x => x.Comment).NotEmpty().When(x => !x.Approve).WithMessage("不批准时请填写审核意见");
        RuleFor(x => x.Comment).MaximumLength(1000).WithMessage("审核意见不能超过1000字");
    }
}

/// <summary>A reviewer covering the unit's current federation (or an admin) decides; approval changes the unit's registry facts.</summary>
internal sealed class DecideRegistryChangeHandler(IDbSession db, ICurrentUser user, IAuditLog audit, UnitEvents events, TimeProvider clock)
    : ICommandHandler<DecideRegistryChange, bool>
{
    public async ValueTask<bool> Handle(DecideRegistryChange command, CancellationToken ct)
    {
        if (!user.IsStaff()) throw new ForbiddenException("仅残联业务人员可审核登记信息变更");
        var request = await db.QuerySingleOrDefaultAsync<RegistryChangeRow>($"{RegistryChangeSql.Select} WHERE r.id = @RequestId FOR UPDATE OF r, u", command, ct)
            ?? throw new NotFoundException("未找到该变更申请");
        if (!user.Covers(request.UnitFederationCode)) throw new ForbiddenException("该单位不在您的管辖范围内");
        if (request.Status != nameof(RegistryChangeStatus.Pending)) throw new ConflictException("该申请已审核或已撤回");
        var now = clock.GetUtcNow();
        if (command.Approve)
        {
            var before = await db.QuerySingleAsync<UnitDto>($"SELECT {UnitSql.UnitColumns} FROM units.unit WHERE id = @UnitId", request, ct);
            if ((before.RegionCode, before.FederationCode, before.TaxAuthorityCode) != (request.CurrentRegionCode, request.CurrentFederationCode, request.CurrentTaxAuthorityCode))
                throw new ConflictException("申请提交后单位登记信息已变更（登记数据导入），不能按原申请批准；请不批准并请单位重新申请");
            await db.ExecuteAsync("""
                UPDATE units.unit SET region_code = @RegionCode, federation_code = @FederationCode, tax_authority_code = @TaxAuthorityCode,
                    version = version + 1, updated_at = @now
                WHERE id = @UnitId
                """, new { request.UnitId, request.RegionCode, request.FederationCode, request.TaxAuthorityCode, now }, ct);
            var after = await db.QuerySingleAsync<UnitDto>($"SELECT {UnitSql.UnitColumns} FROM units.unit WHERE id = @UnitId", request, ct);
            await audit.RecordAsync("Units", "UnitProfile", request.UnitId.ToString(), request.UnitId, "登记信息变更（经审核批准）", Diff.Of(before), Diff.Of(after), ct);
            await events.ProfileChangedAsync(request.UnitId, ct);
        }
        var status = command.Approve ? RegistryChangeStatus.Approved : RegistryChangeStatus.Rejected;
        await db.ExecuteAsync("""
            UPDATE units.registry_change_request SET status = @status, decided_at = @now, decided_by = @by, decision_comment = @comment, version = version + 1
            WHERE id = @id
            """, new { id = request.Id, status = status.ToString(), now, by = user.UserName, comment = command.Comment?.Trim() }, ct);
        await audit.RecordAsync("Units", "RegistryChange", request.Id.ToString(), request.UnitId, command.Approve ? "批准登记信息变更" : "不批准登记信息变更",
            null, new { Status = status.ToString(), Comment = command.Comment?.Trim() }, ct);
        return true;
    }
}
