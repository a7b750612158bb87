using System.Text.RegularExpressions;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.Units.Contracts;
using Declaration.Units.Domain;
using Mediator;
using NpgsqlTypes;

namespace Declaration.Units.Features.Accounts;

/// <summary>
/// <c>import accounts</c> (see <see cref="ImportAccounts"/>): streamed into a temporary table with COPY, checked whole (line-numbered
/// errors, duplicate user names, credit codes not in the registry), then upserted on user_name in one statement; accounts whose role,
/// unit or jurisdiction changed get a new security stamp (their sessions end).
/// </summary>
internal sealed class ImportAccountsHandler(IDbSession db, ICurrentUser user, ImportHistory history, IAuditLog audit, AccountSessions sessions,
    TimeProvider clock) : ICommandHandler<ImportAccounts, ImportResult>
{
    private static readonly string[] Required = ["user_name", "display_name", "role"];
    private static readonly string[] Optional = ["credit_code", "jurisdiction"];
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
        db.UseLongCommandTimeout();
        var connection = await db.ConnectionAsync(ct);
        await db.ExecuteAsync("""
            CREATE TEMP TABLE accounts_import (line bigint, user_name text, display_name text, role text, credit_code text, jurisdiction text) ON COMMIT DROP
            """, null, ct);
        var errors = new ImportErrors();
        long rows = 0;
        using var hashing = new HashingStream(command.Content);
        using (var writer = await connection.BeginBinaryImportAsync("COPY accounts_import FROM STDIN (FORMAT BINARY)", ct))
        {
            TabularFile.ReadCsv(hashing, Required, Optional, errors, row =>
            {
                rows++;
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
                if (row.HasErrors) return;
                writer.StartRow();
                writer.Write(row.Line, NpgsqlDbType.Bigint);
                writer.Write(name, NpgsqlDbType.Text);
                writer.Write(display, NpgsqlDbType.Text);
                writer.Write(role!, NpgsqlDbType.Text);
                if (code.Length > 0) writer.Write(code, NpgsqlDbType.Text); else writer.WriteNull();
                if (jurisdiction.Length > 0) writer.Write(jurisdiction, NpgsqlDbType.Text); else writer.WriteNull();
            }, ct);
            // Good rows go in even when others are bad, so the checks below report every bad row of the file at once.
            await writer.CompleteAsync(ct);
        }
        var duplicates = await db.QueryAsync<(string Name, long[] Lines)>(
            "SELECT user_name, array_agg(line ORDER BY line) FROM accounts_import GROUP BY user_name HAVING count(*) > 1", null, ct);
        foreach (var (name, lines) in duplicates)
            foreach (var line in lines.Skip(1)) errors.Add(line, "user_name", $"用户名 {name} 与第{lines[0]}行重复");
        var unknown = await db.QueryAsync<(long Line, string Code)>("""
            SELECT i.line, i.credit_code FROM accounts_import i
            WHERE i.credit_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM units.unit u WHERE u.credit_code = i.credit_code) ORDER BY i.line
            """, null, ct);
        foreach (var (line, code) in unknown) errors.Add(line, "credit_code", $"统一社会信用代码 {code} 的单位未在本系统登记（请先导入单位登记数据）");
        var self = await db.QueryAsync<long>("""
            SELECT i.line FROM accounts_import i JOIN units.account a ON a.user_name = i.user_name WHERE a.id::text = @me AND i.role <> 'Admin'
            """, new { me = user.UserId }, ct);
        foreach (var line in self) errors.Add(line, "role", "不能取消自己的系统管理员角色");
        errors.ThrowIfAny();

        var (inserted, updated, changedIds) = await db.QuerySingleAsync<(long, long, Guid[]?)>("""
            WITH src AS (
                SELECT i.user_name, i.display_name, i.role, u.id AS unit_id, i.jurisdiction
                FROM accounts_import i LEFT JOIN units.unit u ON u.credit_code = i.credit_code
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
            """, new { now = clock.GetUtcNow() }, ct);
        foreach (var id in changedIds ?? []) sessions.Forget(id);
        var result = new ImportResult("accounts", rows, inserted, updated, hashing.HexDigest());
        await history.RecordAsync(result, ct);
        await audit.RecordAsync("Units", "Import", result.Sha256, null, "导入账号", null, new { result.Rows, result.Inserted, result.Updated }, ct);
        return result;
    }
}
