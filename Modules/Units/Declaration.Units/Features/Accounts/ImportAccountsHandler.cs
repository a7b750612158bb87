using System.Text.RegularExpressions;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.Units.Contracts;
using Declaration.Units.Domain;
using Mediator;

namespace Declaration.Units.Features.Accounts;

/// <summary>
/// <c>import accounts</c> (see <see cref="ImportAccounts"/>) on the one import path (<see cref="TabularImport"/>): staged with COPY, checked
/// whole (line-numbered errors, duplicate user names, credit codes not in the registry), then upserted on user_name in one statement;
/// accounts whose role, unit or jurisdiction changed get a new security stamp (their sessions end).
/// </summary>
internal sealed class ImportAccountsHandler(IDbSession db, ICurrentUser user, TabularImport import, AccountSessions sessions, TimeProvider clock)
    : ICommandHandler<ImportAccounts, ImportResult>
{
    public static readonly ImportSpec Spec = new()
    {
        Kind = "accounts",
        Columns =
        [
            new("user_name", true, "用户名"), new("display_name", true, "姓名或名称"), new("role", true, "角色"),
            new("credit_code", false, "统一社会信用代码"), new("jurisdiction", false, "管辖区划"),
        ],
        StagingColumns = "user_name text, display_name text, role text, credit_code text, jurisdiction text",
    };

    private static readonly Dictionary<string, string> Roles = new(StringComparer.Ordinal)
    {
        ["employer"] = nameof(Role.Employer), ["reviewer"] = nameof(Role.Reviewer), ["admin"] = nameof(Role.Admin),
    };

    // Not [GeneratedRegex]: its generated types share one namespace across modules, which the architecture test reads as a dependency.
    private static readonly Regex UserNameRegex = new(AccountFieldRules.UserNamePattern, RegexOptions.CultureInvariant);
    private static readonly Regex JurisdictionRegex = new(AccountFieldRules.JurisdictionPattern, RegexOptions.CultureInvariant);

    public async ValueTask<ImportResult> Handle(ImportAccounts command, CancellationToken ct)
    {
        AccountRules.EnsureAdmin(user);
        var staged = await import.StageAsync(Spec, new ImportSource(command.Content), (row, w) =>
        {
            var name = row.Required("user_name");
            if (name.Length > 0 && !UserNameRegex.IsMatch(name)) row.Error("user_name", "用户名为2–64位字母、数字或 . _ @ -，以字母或数字开头");
            var display = row.Required("display_name");
            if (display.Length > 50) row.Error("display_name", "姓名或名称不能超过50个字");
            if (TextInput.Check(display) is { } textError) row.Error("display_name", textError);
            var roleText = row.OneOf("role", true, [.. Roles.Keys]);
            var role = roleText is null ? null : Roles[roleText];
            var code = Identifiers.NormalizeCreditCode(row.Get("credit_code") ?? string.Empty);
            var jurisdiction = (row.Get("jurisdiction") ?? string.Empty).Trim();
            if (role == nameof(Role.Employer) && code.Length == 0) row.Error("credit_code", "单位账号须填写所属单位的统一社会信用代码");
            if (role != nameof(Role.Employer) && code.Length > 0) row.Error("credit_code", "仅单位账号绑定单位");
            if (role == nameof(Role.Reviewer) && !JurisdictionRegex.IsMatch(jurisdiction)) row.Error("jurisdiction", "审核人员须有管辖区划前缀（2–6位数字，如 3301）");
            if (role != nameof(Role.Reviewer) && jurisdiction.Length > 0) row.Error("jurisdiction", "仅审核人员有管辖区划");
            // Good rows are staged even when others are bad, so the set-wise checks below report every bad row of the file at once.
            if (row.HasErrors) return;
            w.Row(row.Line).Text(name).Text(display).Text(role).Text(code.Length > 0 ? code : null).Text(jurisdiction.Length > 0 ? jurisdiction : null);
        }, ct);
        await staged.DuplicatesAsync("user_name", "user_name", first => $"用户名与第{first}行重复", ct);
        await staged.ErrorsWhereAsync("i.credit_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM units.unit u WHERE u.credit_code = i.credit_code)", null,
            "credit_code", "i.credit_code", code => $"统一社会信用代码 {code} 的单位未在本系统登记（请先导入单位登记数据）", ct);
        await staged.ErrorsWhereAsync("i.role <> 'Admin' AND EXISTS (SELECT 1 FROM units.account a WHERE a.user_name = i.user_name AND a.id::text = @me)",
            new { me = user.UserId }, "role", "不能取消自己的系统管理员角色", ct);
        Guid[]? changedIds = null;
        var result = await import.CompleteAsync(staged, async c =>
        {
            (long Inserted, long Updated, Guid[]? Changed) up = await db.QuerySingleAsync<(long, long, Guid[]?)>("""
            WITH src AS (
                SELECT i.user_name, i.display_name, i.role, u.id AS unit_id, i.jurisdiction
                FROM import_accounts i LEFT JOIN units.unit u ON u.credit_code = i.credit_code
            ), up AS (
                INSERT INTO units.account AS a (id, user_name, display_name, password_hash, role, unit_id, jurisdiction, created_at, updated_at)
                SELECT gen_random_uuid(), user_name, display_name, NULL, role, unit_id, jurisdiction, @now, @now FROM src
                ON CONFLICT (user_name) DO UPDATE SET display_name = EXCLUDED.display_name, role = EXCLUDED.role, unit_id = EXCLUDED.unit_id,
                    jurisdiction = EXCLUDED.jurisdiction,
                    security_stamp = CASE WHEN (a.role, a.unit_id, a.jurisdiction) IS DISTINCT FROM (EXCLUDED.role, EXCLUDED.unit_id, EXCLUDED.jurisdiction)
                                          THEN gen_random_uuid() ELSE a.security_stamp END,
                    version = a.version + 1, updated_at = EXCLUDED.updated_at
                WHERE (a.display_name, a.role, a.unit_id, a.jurisdiction) IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.role, EXCLUDED.unit_id, EXCLUDED.jurisdiction)
                RETURNING a.id, (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), array_agg(id) FILTER (WHERE NOT inserted) FROM up
            """, new { now = clock.GetUtcNow() }, c);
            changedIds = up.Changed;
            return (up.Inserted, up.Updated);
        }, "Units", "导入账号", ct);
        db.AfterCommit(() => { foreach (var id in changedIds ?? []) sessions.Forget(id); });
        return result;
    }
}
