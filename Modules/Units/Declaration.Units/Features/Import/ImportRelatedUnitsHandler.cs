using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;
using Declaration.Units.Domain;
using Mediator;

namespace Declaration.Units.Features.Import;

/// <summary><c>import related-units</c>: COPY into a temporary table, checked whole, upserted on the natural key.</summary>
internal sealed class ImportRelatedUnitsHandler(IDbSession db, ICurrentUser user, TabularImport import, AccountSessions sessions, TimeProvider clock)
    : ICommandHandler<ImportRelatedUnits, ImportResult>
{
    public static readonly ImportSpec Spec = new()
    {
        Kind = "related-units",
        Columns =
        [
            new("credit_code", true, "统一社会信用代码"), new("related_credit_code", true, "关联单位统一社会信用代码"), new("related_name", true, "关联单位名称"),
            new("relation_type", true, "关联类型"), new("valid_from", true, "起始日期"), new("valid_to", false, "终止日期"),
        ],
        StagingColumns = "credit_code text, related_credit_code text, related_name text, relation_type text, valid_from date, valid_to date",
    };

    public async ValueTask<ImportResult> Handle(ImportRelatedUnits command, CancellationToken ct)
    {
        if (!user.IsStaff() || user.Role == Role.Reviewer) throw new ForbiddenException("仅管理员可导入关联单位数据");
        // Many units may change: the API keys this host remembers with their units are read again once the import commits.
        db.AfterCommit(sessions.ForgetKeys);
        var staged = await import.StageAsync(Spec, new ImportSource(command.Content), (row, w) =>
        {
            var code = CreditCode(row, "credit_code");
            var related = CreditCode(row, "related_credit_code");
            var name = row.Required("related_name");
            var type = row.OneOf("relation_type", true, [.. RelationTypes.Labels.Keys]);
            var from = row.Date("valid_from", required: true);
            var to = row.Date("valid_to", required: false);
            if (from is not null && to is not null && to < from) row.Error("valid_to", "终止日期不能早于起始日期");
            if (code.Length > 0 && code == related) row.Error("related_credit_code", "关联单位不能是本单位自己");
            if (row.FileHasErrors) return;
            w.Row(row.Line).Text(code).Text(related).Text(name).Text(type).Date(from).Date(to);
        }, ct);
        staged.ThrowIfRejected();
        await staged.ErrorsWhereAsync("NOT EXISTS (SELECT 1 FROM units.unit u WHERE u.credit_code = i.credit_code)", null, "credit_code",
            "i.credit_code", code => $"单位 {code} 不在单位登记数据中，请先导入该单位", ct);
        await staged.DuplicatesAsync("credit_code, related_credit_code, relation_type, valid_from", "related_credit_code",
            first => $"同一关联单位的同一关联类型和起始日期与第{first}行重复", ct);
        return await import.CompleteAsync(staged, c =>
            db.QuerySingleAsync<(long, long)>("""
            WITH up AS (
                INSERT INTO units.related_unit AS r (id, unit_id, related_credit_code, related_name, relation_type, valid_from, valid_to, created_at, updated_at)
                SELECT gen_random_uuid(), u.id, i.related_credit_code, i.related_name, i.relation_type, i.valid_from, i.valid_to, @now, @now
                FROM import_related_units i JOIN units.unit u ON u.credit_code = i.credit_code
                ON CONFLICT (unit_id, related_credit_code, relation_type, valid_from) DO UPDATE
                    SET related_name = EXCLUDED.related_name, valid_to = EXCLUDED.valid_to, version = r.version + 1, updated_at = EXCLUDED.updated_at
                WHERE (r.related_name, r.valid_to) IS DISTINCT FROM (EXCLUDED.related_name, EXCLUDED.valid_to)
                RETURNING r.unit_id, (xmax = 0) AS inserted
            ), changed AS (
                UPDATE units.unit u SET related_version = u.related_version + 1
                WHERE u.id IN (SELECT unit_id FROM up)
                RETURNING u.id AS unit_id, u.related_version
            ), outbox AS (
                INSERT INTO units.outbox (id, type, payload, occurred_at)
                SELECT e.event_id, 'Declaration.Units.Contracts.RelatedUnitsChanged', jsonb_build_object(
                    'id', e.event_id, 'occurredAt', @now, 'unitId', u.id, 'creditCode', u.credit_code, 'relatedUnits', (
                        SELECT coalesce(jsonb_agg(jsonb_build_object('relatedCreditCode', x.related_credit_code, 'relationType', x.relation_type,
                            'validFrom', x.valid_from, 'validTo', x.valid_to) ORDER BY x.valid_from, x.related_credit_code), '[]'::jsonb)
                        FROM (SELECT r2.related_credit_code, r2.relation_type, r2.valid_from, r2.valid_to FROM units.related_unit r2
                              WHERE r2.unit_id = u.id AND NOT EXISTS (SELECT 1 FROM import_related_units i2 WHERE i2.credit_code = u.credit_code
                                  AND i2.related_credit_code = r2.related_credit_code AND i2.relation_type = r2.relation_type AND i2.valid_from = r2.valid_from)
                              UNION ALL
                              SELECT i.related_credit_code, i.relation_type, i.valid_from, i.valid_to FROM import_related_units i WHERE i.credit_code = u.credit_code) x),
                    'version', e.related_version), @now
                FROM (SELECT gen_random_uuid() AS event_id, unit_id, related_version FROM changed) e JOIN units.unit u ON u.id = e.unit_id
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
            """, new { now = clock.GetUtcNow() }, c),
            "Units", "导入关联单位数据", ct);
    }

    private static string CreditCode(CsvRow row, string column)
    {
        var code = Identifiers.NormalizeCreditCode(row.Required(column));
        if (code.Length == 0) return code;
        var (check, message) = Identifiers.CheckCreditCode(code);
        if (check == Identifiers.CreditCodeCheck.Invalid) row.Error(column, message!);
        else if (check == Identifiers.CreditCodeCheck.ChecksumMismatch) row.Warn(column, message!);
        return code;
    }
}
