using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Contracts;
using Declaration.Certification.Domain;
using Mediator;
using System.Globalization;

namespace Declaration.Certification.Features.Import;

/// <summary>
/// <c>import certificates|social-insurance|wages|minimum-wages</c> (FORMATS.md): streamed into a temporary table with COPY,
/// rejected whole with line-numbered errors (bad cells, unknown columns, duplicate natural keys), then upserted on the natural
/// key (a second import of the same file changes nothing). Changed rows mark the affected unconfirmed placements dirty for
/// the nightly re-certification (by blind index; minimum wages by region).
/// </summary>
internal sealed class ImportLinkageDataHandler(IDbSession db, ICurrentUser user, TabularImport import, TimeProvider clock,
    IPersonalDataProtector protector) : ICommandHandler<ImportLinkageData, ImportResult>
{
    public static readonly IReadOnlyList<string> Kinds = ["certificates", "social-insurance", "wages", "minimum-wages"];

    private static readonly ImportSpec Certificates = new()
    {
        Kind = "certificates",
        Columns =
        [
            new("id_number", true, "公民身份号码", KeepAsText: true), new("name", true, "姓名"), new("certificate_type", true, "证件类型"),
            new("certificate_number", true, "证件号码", KeepAsText: true), new("category", false, "残疾类别"), new("level", true, "残疾等级"),
            new("issued_on", true, "发证日期"), new("valid_until", false, "有效期至"), new("revoked_on", false, "注销日期"),
        ],
        StagingColumns = "id_hash bytea, certificate_type text, issued_on date, name text, number_enc bytea, number_hash bytea, category smallint, " +
                         "level smallint, valid_until date, revoked_on date",
    };

    private static readonly ImportSpec SocialInsurance = new()
    {
        Kind = "social-insurance",
        Columns =
        [
            new("id_number", true, "公民身份号码", KeepAsText: true), new("payer_credit_code", true, "缴费单位统一社会信用代码"), new("month", true, "月份"),
            new("insurance_type", true, "险种"), new("paid", true, "已缴费"),
        ],
        StagingColumns = "id_hash bytea, payer_credit_code text, month date, insurance_type text, paid boolean",
    };

    private static readonly ImportSpec Wages = new()
    {
        Kind = "wages",
        Columns =
        [
            new("id_number", true, "公民身份号码", KeepAsText: true), new("payer_credit_code", true, "发放单位统一社会信用代码"), new("month", true, "月份"),
            new("gross_wage", true, "应发工资"),
        ],
        StagingColumns = "id_hash bytea, payer_credit_code text, month date, gross_wage numeric",
    };

    private static readonly ImportSpec MinimumWages = new()
    {
        Kind = "minimum-wages",
        Columns = [new("region_code", true, "地区代码"), new("effective_from", true, "生效日期"), new("monthly_minimum", true, "月最低工资")],
        StagingColumns = "region_code text, effective_from date, monthly_minimum numeric",
    };

    public async ValueTask<ImportResult> Handle(ImportLinkageData command, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员可导入联网数据");
        db.UseLongCommandTimeout();
        var today = ChinaTime.Today(clock);
        var source = new ImportSource(command.Content);
        StagedImport staged;
        Func<CancellationToken, Task<(long, long, long)>> upsert;
        switch (command.Kind)
        {
            case "certificates":
                staged = await import.StageAsync(Certificates, source, (row, w) => Certificate(row, w, today), ct);
                staged.ThrowIfRejected();
                await staged.DuplicatesAsync("id_hash, certificate_type, issued_on", string.Empty, first => $"同一公民身份号码、证件类型和发证日期与第{first}行重复", ct);
                upsert = UpsertCertificatesAsync;
                break;
            case "social-insurance":
                staged = await import.StageAsync(SocialInsurance, source, (row, w) =>
                {
                    var id = IdNumber(row, today);
                    var payer = Payer(row);
                    var month = row.Month("month");
                    var type = row.OneOf("insurance_type", true, "pension", "medical", "unemployment", "work_injury", "maternity");
                    var paid = row.Bool("paid");
                    if (row.FileHasErrors) return;
                    w.Row(row.Line).Bytes(protector.BlindIndex(id!)).Text(payer).Date(month).Text(type).Bool(paid);
                }, ct);
                staged.ThrowIfRejected();
                await staged.DuplicatesAsync("id_hash, payer_credit_code, month, insurance_type", string.Empty, first => $"同一公民身份号码、缴费单位、月份和险种与第{first}行重复", ct);
                upsert = async c =>
                {
                    var counts = await UpsertAsync(staged.Table, """
                    WITH up AS (
                        INSERT INTO certification.social_insurance AS t (id_hash, payer_credit_code, month, insurance_type, paid)
                        SELECT id_hash, payer_credit_code, month, insurance_type, paid FROM {0}
                        ON CONFLICT (id_hash, month, payer_credit_code, insurance_type) DO UPDATE SET paid = EXCLUDED.paid
                        WHERE t.paid IS DISTINCT FROM EXCLUDED.paid
                        RETURNING t.id_hash, (xmax = 0) AS inserted
                    )
                    """, c);
                    await db.ExecuteAsync(LinkageYear.RefreshPensions(staged.Table), null, c);
                    return counts;
                };
                break;
            case "wages":
                staged = await import.StageAsync(Wages, source, (row, w) =>
                {
                    var id = IdNumber(row, today);
                    var payer = Payer(row);
                    var month = row.Month("month");
                    var wage = row.Decimal("gross_wage", true);
                    if (row.FileHasErrors) return;
                    w.Row(row.Line).Bytes(protector.BlindIndex(id!)).Text(payer).Date(month).Decimal(wage);
                }, ct);
                staged.ThrowIfRejected();
                await staged.DuplicatesAsync("id_hash, payer_credit_code, month", string.Empty, first => $"同一公民身份号码、缴费单位和月份与第{first}行重复", ct);
                upsert = async c =>
                {
                    var counts = await UpsertAsync(staged.Table, """
                    WITH up AS (
                        INSERT INTO certification.wage AS t (id_hash, payer_credit_code, month, gross_wage)
                        SELECT id_hash, payer_credit_code, month, gross_wage FROM {0}
                        ON CONFLICT (id_hash, month, payer_credit_code) DO UPDATE SET gross_wage = EXCLUDED.gross_wage
                        WHERE t.gross_wage IS DISTINCT FROM EXCLUDED.gross_wage
                        RETURNING t.id_hash, (xmax = 0) AS inserted
                    )
                    """, c);
                    await db.ExecuteAsync(LinkageYear.RefreshWages(staged.Table), null, c);
                    return counts;
                };
                break;
            case "minimum-wages":
                staged = await import.StageAsync(MinimumWages, source, (row, w) =>
                {
                    var region = row.Required("region_code");
                    if (region.Length > 0 && Identifiers.CheckRegionCode(region) is { } e) row.Error("region_code", e);
                    var from = row.Date("effective_from", true);
                    var minimum = row.Decimal("monthly_minimum", true);
                    if (row.FileHasErrors) return;
                    w.Row(row.Line).Text(region).Date(from).Decimal(minimum);
                }, ct);
                staged.ThrowIfRejected();
                await staged.DuplicatesAsync("region_code, effective_from", string.Empty, first => $"同一地区代码和生效日期与第{first}行重复", ct);
                upsert = UpsertMinimumWagesAsync;
                break;
            default:
                throw new InputException("kind", $"未知的联网数据类型“{command.Kind}”（可用：{string.Join("、", Kinds)}）");
        }
        long dirty = 0;
        return await import.CompleteAsync(staged, async c =>
        {
            var (inserted, updated, d) = await upsert(c);
            dirty = d;
            return (inserted, updated);
        }, "Certification", $"导入联网数据（{command.Kind}）", ct, r => new { r.Rows, r.Inserted, r.Updated, DirtyPlacements = dirty });
    }

    private void Certificate(CsvRow row, StagingWriter w, DateOnly today)
    {
        var id = IdNumber(row, today);
        var name = row.Required("name");
        var type = row.OneOf("certificate_type", true, "disability", "veteran");
        var number = row.Required("certificate_number").ToUpperInvariant();
        var category = row.Int("category", false, 1, 7);
        var level = type == "veteran" ? row.Int("level", true, 1, 10) : row.Int("level", true, 1, 4);
        var issued = row.Date("issued_on", true);
        var validUntil = row.Date("valid_until", false);
        var revoked = row.Date("revoked_on", false);
        if (id is not null && type is not null && number.Length > 0 &&
            Identifiers.CheckCertificateNumber(number, id, type == "veteran") is { } numberError)
            row.Error("certificate_number", numberError);
        if (type == "disability")
        {
            if (row.Get("category") is null) row.Error("category", "残疾人证须填写残疾类别（1–7）");
            else if (category is { } c && number.Length == 20 && number[18] - '0' != c) row.Error("category", "残疾类别与证号第19位不一致");
            if (level is { } l && number.Length == 20 && number[19] - '0' != l) row.Error("level", "残疾等级与证号第20位不一致");
        }
        else if (type == "veteran" && row.Get("category") is not null) row.Error("category", "残疾军人证不填写残疾类别");
        if (issued is { } i && validUntil is { } v && v < i) row.Error("valid_until", "有效期截止日早于发证日期");
        if (row.FileHasErrors) return;
        w.Row(row.Line).Bytes(protector.BlindIndex(id!)).Text(type).Date(issued).Text(name).Bytes(protector.Encrypt(number)).Bytes(protector.BlindIndex(number))
            .Short(category).Short(level).Date(validUntil).Date(revoked);
    }

    private async Task<(long, long, long)> UpsertAsync(string table, string upsertCte, CancellationToken ct) =>
        await db.QuerySingleAsync<(long, long, long)>(string.Format(CultureInfo.InvariantCulture, upsertCte, table) + """
            , dirty AS (
                INSERT INTO certification.placement_dirty (placement_id)
                SELECT p.id FROM certification.placement p
                WHERE p.id_hash IN (SELECT DISTINCT id_hash FROM up) AND NOT p.locked
                ON CONFLICT DO NOTHING
                RETURNING 1
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), (SELECT count(*) FROM dirty) FROM up
            """, null, ct);

    private Task<(long, long, long)> UpsertCertificatesAsync(CancellationToken ct) => UpsertAsync(Certificates.Table, """
        WITH up AS (
            INSERT INTO certification.certificate AS t (id_hash, certificate_type, issued_on, name, certificate_number_enc, certificate_number_hash,
                category, level, valid_until, revoked_on, updated_at)
            SELECT id_hash, certificate_type, issued_on, name, number_enc, number_hash, category, level, valid_until, revoked_on, now() FROM {0}
            ON CONFLICT (id_hash, certificate_type, issued_on) DO UPDATE SET name = EXCLUDED.name, certificate_number_enc = EXCLUDED.certificate_number_enc,
                certificate_number_hash = EXCLUDED.certificate_number_hash, category = EXCLUDED.category, level = EXCLUDED.level,
                valid_until = EXCLUDED.valid_until, revoked_on = EXCLUDED.revoked_on, updated_at = EXCLUDED.updated_at
            WHERE (t.name, t.certificate_number_hash, t.category, t.level, t.valid_until, t.revoked_on)
                  IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.certificate_number_hash, EXCLUDED.category, EXCLUDED.level, EXCLUDED.valid_until, EXCLUDED.revoked_on)
            RETURNING t.id_hash, (xmax = 0) AS inserted
        )
        """, ct);

    private async Task<(long, long, long)> UpsertMinimumWagesAsync(CancellationToken ct) =>
        await db.QuerySingleAsync<(long, long, long)>("""
            WITH up AS (
                INSERT INTO certification.minimum_wage AS t (region_code, effective_from, monthly_minimum)
                SELECT region_code, effective_from, monthly_minimum FROM import_minimum_wages
                ON CONFLICT (region_code, effective_from) DO UPDATE SET monthly_minimum = EXCLUDED.monthly_minimum
                WHERE t.monthly_minimum IS DISTINCT FROM EXCLUDED.monthly_minimum
                RETURNING t.region_code, (xmax = 0) AS inserted
            ), prefixes AS (
                SELECT DISTINCT CASE WHEN region_code LIKE '__0000' THEN left(region_code, 2)
                                     WHEN region_code LIKE '____00' THEN left(region_code, 4) ELSE region_code END AS prefix
                FROM up
            ), dirty AS (
                INSERT INTO certification.placement_dirty (placement_id)
                SELECT p.id FROM certification.placement p JOIN certification.unit u ON u.id = p.unit_id
                WHERE EXISTS (SELECT 1 FROM prefixes x WHERE u.region_code LIKE x.prefix || '%') AND NOT p.locked
                ON CONFLICT DO NOTHING
                RETURNING 1
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), (SELECT count(*) FROM dirty) FROM up
            """, null, ct);

    private static string? IdNumber(CsvRow row, DateOnly today)
    {
        var raw = row.Required("id_number");
        if (raw.Length == 0) return null;
        if (Identifiers.CheckIdNumber(raw, today) is { } e) { row.Error("id_number", e); return null; }
        return Identifiers.NormalizeIdNumber(raw);
    }

    private static string Payer(CsvRow row)
    {
        var code = Identifiers.NormalizeCreditCode(row.Required("payer_credit_code"));
        if (code.Length == 0) return code;
        var (check, message) = Identifiers.CheckCreditCode(code);
        if (check == Identifiers.CreditCodeCheck.Invalid) row.Error("payer_credit_code", message!);
        else if (check == Identifiers.CreditCodeCheck.ChecksumMismatch) row.Warn("payer_credit_code", message!);
        return code;
    }
}
