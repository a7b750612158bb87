using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;
using Declaration.Units.Domain;
using FluentValidation;
using Mediator;

namespace Declaration.Units.Features.Profile;

/// <summary>The rules of the unit's own details (the registry facts are checked by <c>RequestRegistryChange</c> and the registry import).</summary>
internal static class ProfileRules
{
    public static void Apply<T>(AbstractValidator<T> v, Func<T, string> name, Func<T, string> unitType, Func<T, string> legalRep, Func<T, string> legalPhone,
        Func<T, string> contactName, Func<T, string> contactMobile, Func<T, string?> address)
    {
        v.RuleFor(x => name(x)).NotEmpty().WithMessage("请填写单位名称").MaximumLength(200).WithMessage("单位名称不能超过200字").OverridePropertyName("Name");
        v.RuleFor(x => unitType(x)).Must(t => t is not null && UnitTypes.Labels.ContainsKey(t)).WithMessage("请选择单位类型").OverridePropertyName("UnitType");
        v.RuleFor(x => legalRep(x)).NotEmpty().WithMessage("请填写法人").MaximumLength(50).WithMessage("法人姓名过长").OverridePropertyName("LegalRepresentative");
        v.RuleFor(x => legalPhone(x)).Must(p => Identifiers.CheckLegalPhone(p) is null).WithMessage("法人电话应为11位手机号码或固定电话（如0571-87654321）").OverridePropertyName("LegalPhone");
        v.RuleFor(x => contactName(x)).NotEmpty().WithMessage("请填写经办人").MaximumLength(50).WithMessage("经办人姓名过长").OverridePropertyName("ContactName");
        v.RuleFor(x => contactMobile(x)).Must(p => Identifiers.CheckMobile(p) is null).WithMessage("经办人电话应为以1开头的11位手机号码").OverridePropertyName("ContactMobile");
        v.RuleFor(x => address(x)).MaximumLength(200).WithMessage("地址不能超过200字").OverridePropertyName("Address");
    }
}

internal sealed class UpdateUnitProfileValidator : AbstractValidator<UpdateUnitProfile>
{
    public UpdateUnitProfileValidator() => ProfileRules.Apply(this, x => x.Name, x => x.UnitType, x => x.LegalRepresentative, x => x.LegalPhone,
        x => x.ContactName, x => x.ContactMobile, x => x.Address);
}

internal sealed class UpdateUnitProfileHandler(IDbSession db, UnitAccess access, IAuditLog audit, UnitEvents events, TimeProvider clock)
    : ICommandHandler<UpdateUnitProfile, ProfileSaved>
{
    public async ValueTask<ProfileSaved> Handle(UpdateUnitProfile command, CancellationToken ct)
    {
        var before = await access.LoadForEditAsync(command.UnitId, ct);
        if (before.Version != command.Version)
            throw new ConflictException("单位信息已被他人修改（您看到的是旧版本），请刷新页面后重新修改");
        var version = await db.ExecuteScalarAsync<int>("""
            UPDATE units.unit SET name = @Name, unit_type = @UnitType, legal_representative = @LegalRepresentative, legal_phone = @LegalPhone,
                contact_name = @ContactName, contact_mobile = @ContactMobile, address = @Address, version = version + 1, updated_at = @now
            WHERE id = @UnitId AND version = @Version RETURNING version
            """, new
        {
            command.UnitId, command.Version, Name = command.Name.Trim(), command.UnitType,
            LegalRepresentative = command.LegalRepresentative.Trim(), LegalPhone = command.LegalPhone.Trim(), ContactName = command.ContactName.Trim(),
            ContactMobile = command.ContactMobile.Trim(), Address = string.IsNullOrWhiteSpace(command.Address) ? null : command.Address.Trim(),
            now = clock.GetUtcNow(),
        }, ct);
        if (version == 0) throw new ConflictException("单位信息已被他人修改，请刷新页面后重新修改");
        var after = await access.LoadAsync(command.UnitId, ct);
        await audit.RecordAsync("Units", "UnitProfile", command.UnitId.ToString(), command.UnitId, "修改单位信息", Diff.Of(before), Diff.Of(after), ct);
        await events.ProfileChangedAsync(command.UnitId, ct);
        var (check, message) = Identifiers.CheckCreditCode(after.CreditCode);
        return new ProfileSaved(version, check == Identifiers.CreditCodeCheck.ChecksumMismatch ? message : null);
    }
}

internal sealed class ConfirmUnitProfileHandler(IDbSession db, UnitAccess access, IAuditLog audit, UnitEvents events, TimeProvider clock)
    : ICommandHandler<ConfirmUnitProfile, bool>
{
    public async ValueTask<bool> Handle(ConfirmUnitProfile command, CancellationToken ct)
    {
        var unit = await access.LoadForEditAsync(command.UnitId, ct);
        if (unit.ProfileConfirmed) return false;
        await db.ExecuteAsync("UPDATE units.unit SET profile_confirmed_at = @now WHERE id = @id", new { id = command.UnitId, now = clock.GetUtcNow() }, ct);
        events.Forget(command.UnitId);
        await audit.RecordAsync("Units", "UnitProfile", command.UnitId.ToString(), command.UnitId, "确认已核对残联主管部门、税务主管部门和所属行政区", null, null, ct);
        return true;
    }
}

/// <summary>The audited view of a profile (no versions or timestamps; people's names masked, phones masked by the audit log).</summary>
internal static class Diff
{
    public static object Of(UnitDto u) => new
    {
        u.Name, u.UnitType, u.RegionCode, u.FederationCode, u.TaxAuthorityCode, LegalRepresentative = Masking.Name(u.LegalRepresentative), u.LegalPhone,
        ContactName = Masking.Name(u.ContactName), u.ContactMobile, u.Address,
    };
}
