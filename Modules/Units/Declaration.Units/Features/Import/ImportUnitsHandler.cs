using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;
using Declaration.Units.Domain;
using Mediator;

namespace Declaration.Units.Features.Import;

/// <summary>
/// <c>import units</c>: streamed into a temporary table with COPY, checked whole (line-numbered errors, duplicate keys),
/// then upserted on credit_code in one statement that also writes a UnitProfileChanged per changed unit to the outbox.
/// </summary>
internal sealed class ImportUnitsHandler(IDbSession db, ICurrentUser user, TabularImport import, AccountSessions sessions, TimeProvider clock)
    : ICommandHandler<ImportUnits, ImportResult>
{
    public static readonly ImportSpec Spec = new()
    {
        Kind = "units",
        Columns =
        [
            new("credit_code", true, "统一社会信用代码"), new("name", true, "单位名称"), new("unit_type", true, "单位类型"), new("region_code", true, "所在地区代码"),
            new("federation_code", true, "主管残联代码"), new("tax_authority_code", true, "主管税务机关代码"), new("legal_representative", true, "法定代表人"),
            new("legal_phone", true, "法定代表人电话"), new("contact_name", true, "联系人"), new("contact_mobile", true, "联系人手机"), new("address", false, "地址"),
        ],
        StagingColumns = "credit_code text, name text, unit_type text, region_code text, federation_code text, tax_authority_code text, " +
                         "legal_representative text, legal_phone text, contact_name text, contact_mobile text, address text",
    };

    public async ValueTask<ImportResult> Handle(ImportUnits command, CancellationToken ct)
    {
        if (!user.IsStaff() || user.Role == Role.Reviewer) throw new ForbiddenException("仅管理员可导入单位登记数据");
        // Many units may change: the API keys this host remembers with their units are read again once the import commits.
        db.AfterCommit(sessions.ForgetKeys);
        var staged = await import.StageAsync(Spec, new ImportSource(command.Content), (row, w) =>
        {
            var code = Identifiers.NormalizeCreditCode(row.Required("credit_code"));
            if (code.Length > 0)
            {
                var (check, message) = Identifiers.CheckCreditCode(code);
                if (check == Identifiers.CreditCodeCheck.Invalid) row.Error("credit_code", message!);
                else if (check == Identifiers.CreditCodeCheck.ChecksumMismatch) row.Warn("credit_code", message!);
            }
            var name = row.Required("name");
            var type = row.OneOf("unit_type", true, [.. UnitTypes.Labels.Keys]);
            var region = Code(row, "region_code");
            var federation = Code(row, "federation_code");
            var tax = row.Required("tax_authority_code");
            var legalRep = row.Required("legal_representative");
            var legalPhone = row.Required("legal_phone");
            if (legalPhone.Length > 0 && Identifiers.CheckLegalPhone(legalPhone) is { } phoneError) row.Error("legal_phone", phoneError);
            var contact = row.Required("contact_name");
            var mobile = row.Required("contact_mobile");
            if (mobile.Length > 0 && Identifiers.CheckMobile(mobile) is { } mobileError) row.Error("contact_mobile", mobileError);
            if (row.FileHasErrors) return;
            w.Row(row.Line).Text(code).Text(name).Text(type).Text(region).Text(federation).Text(tax).Text(legalRep).Text(legalPhone).Text(contact)
                .Text(mobile).Text(row.Get("address"));
        }, ct);
        staged.ThrowIfRejected();
        await staged.DuplicatesAsync("credit_code", "credit_code", first => $"统一社会信用代码与第{first}行重复", ct);
        return await import.CompleteAsync(staged, c =>
            db.QuerySingleAsync<(long, long)>("""
            WITH up AS (
                INSERT INTO units.unit AS u (id, credit_code, name, unit_type, region_code, federation_code, tax_authority_code, legal_representative,
                    legal_phone, contact_name, contact_mobile, address, created_at, updated_at)
                SELECT gen_random_uuid(), credit_code, name, unit_type, region_code, federation_code, tax_authority_code, legal_representative,
                    legal_phone, contact_name, contact_mobile, address, @now, @now FROM import_units
                ON CONFLICT (credit_code) DO UPDATE SET name = EXCLUDED.name, unit_type = EXCLUDED.unit_type, region_code = EXCLUDED.region_code,
                    federation_code = EXCLUDED.federation_code, tax_authority_code = EXCLUDED.tax_authority_code,
                    legal_representative = EXCLUDED.legal_representative, legal_phone = EXCLUDED.legal_phone, contact_name = EXCLUDED.contact_name,
                    contact_mobile = EXCLUDED.contact_mobile, address = EXCLUDED.address, version = u.version + 1, updated_at = EXCLUDED.updated_at
                WHERE (u.name, u.unit_type, u.region_code, u.federation_code, u.tax_authority_code, u.legal_representative, u.legal_phone,
                       u.contact_name, u.contact_mobile, u.address)
                  IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.unit_type, EXCLUDED.region_code, EXCLUDED.federation_code, EXCLUDED.tax_authority_code,
                       EXCLUDED.legal_representative, EXCLUDED.legal_phone, EXCLUDED.contact_name, EXCLUDED.contact_mobile, EXCLUDED.address)
                RETURNING u.*, (xmax = 0) AS inserted
            ), events AS (
                SELECT gen_random_uuid() AS event_id, up.* FROM up
            ), outbox AS (
                INSERT INTO units.outbox (id, type, payload, occurred_at)
                SELECT event_id, 'Declaration.Units.Contracts.UnitProfileChanged', jsonb_build_object(
                    'id', event_id, 'occurredAt', @now, 'unitId', id, 'creditCode', credit_code, 'name', name, 'unitType', unit_type,
                    'regionCode', region_code, 'federationCode', federation_code, 'taxAuthorityCode', tax_authority_code,
                    'contactName', contact_name, 'contactMobile', contact_mobile, 'version', version), @now
                FROM events
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
            """, new { now = clock.GetUtcNow() }, c),
            "Units", "导入单位登记数据", ct);
    }

    private static string Code(CsvRow row, string column)
    {
        var v = row.Required(column);
        if (v.Length > 0 && Identifiers.CheckRegionCode(v) is { } error) row.Error(column, error);
        return v;
    }
}
