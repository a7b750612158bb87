using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Contracts;
using Declaration.Certification.Domain;
using Mediator;
using Npgsql;
using NpgsqlTypes;

namespace Declaration.Certification.Features.Import;

/// <summary>
/// <c>import certificates|social-insurance|wages|minimum-wages</c> (FORMATS.md): streamed into a temporary table with COPY,
/// rejected whole with line-numbered errors (bad cells, unknown columns, duplicate natural keys), then upserted on the natural
/// key (a second import of the same file changes nothing). Changed rows mark the affected unconfirmed placements dirty for
/// the nightly re-certification (by blind index; minimum wages by region).
/// </summary>
internal sealed class ImportLinkageDataHandler(IDbSession db, ICurrentUser user, ImportHistory history, IAuditLog audit, TimeProvider clock,
    IPersonalDataProtector protector) : ICommandHandler<ImportLinkageData, ImportResult>
{
    public static readonly IReadOnlyList<string> Kinds = ["certificates", "social-insurance", "wages", "minimum-wages"];

    public async ValueTask<ImportResult> Handle(ImportLinkageData command, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员可导入联网数据");
        db.UseLongCommandTimeout();
        var today = ChinaTime.Today(clock);
        using var hashing = new HashingStream(command.Content);
        var errors = new ImportErrors();
        var warnings = new ImportErrors();
        var connection = await db.ConnectionAsync(ct);
        long rows;
        (long Inserted, long Updated, long Dirty) counts;
        switch (command.Kind)
        {
            case "certificates":
                rows = await CertificatesAsync(connection, hashing, errors, today, ct);
                counts = await UpsertCertificatesAsync(ct);
                break;
            case "social-insurance":
                rows = await SocialInsuranceAsync(connection, hashing, errors, warnings, today, ct);
                counts = await UpsertAsync("""
                    WITH up AS (
                        INSERT INTO certification.social_insurance AS t (id_hash, payer_credit_code, month, insurance_type, paid)
                        SELECT id_hash, payer_credit_code, month, insurance_type, paid FROM cert_import
                        ON CONFLICT (id_hash, month, payer_credit_code, insurance_type) DO UPDATE SET paid = EXCLUDED.paid
                        WHERE t.paid IS DISTINCT FROM EXCLUDED.paid
                        RETURNING t.id_hash, (xmax = 0) AS inserted
                    )
                    """, ct);
                await db.ExecuteAsync(LinkageYear.RefreshPensions, null, ct);
                break;
            case "wages":
                rows = await WagesAsync(connection, hashing, errors, warnings, today, ct);
                counts = await UpsertAsync("""
                    WITH up AS (
                        INSERT INTO certification.wage AS t (id_hash, payer_credit_code, month, gross_wage)
                        SELECT id_hash, payer_credit_code, month, gross_wage FROM cert_import
                        ON CONFLICT (id_hash, month, payer_credit_code) DO UPDATE SET gross_wage = EXCLUDED.gross_wage
                        WHERE t.gross_wage IS DISTINCT FROM EXCLUDED.gross_wage
                        RETURNING t.id_hash, (xmax = 0) AS inserted
                    )
                    """, ct);
                await db.ExecuteAsync(LinkageYear.RefreshWages, null, ct);
                break;
            case "minimum-wages":
                rows = await MinimumWagesAsync(connection, hashing, errors, ct);
                counts = await UpsertMinimumWagesAsync(ct);
                break;
            default:
                throw new InputException("kind", $"未知的联网数据类型“{command.Kind}”（可用：{string.Join("、", Kinds)}）");
        }
        var result = new ImportResult(command.Kind, rows, counts.Inserted, counts.Updated, hashing.HexDigest()) { Warnings = warnings.Kept };
        await history.RecordAsync(result, ct);
        await audit.RecordAsync("Certification", "Import", result.Sha256, null, $"导入联网数据（{command.Kind}）", null,
            new { result.Rows, result.Inserted, result.Updated, DirtyPlacements = counts.Dirty }, ct);
        return result;
    }

    private async Task<(long, long, long)> UpsertAsync(string upsertCte, CancellationToken ct) =>
        await db.QuerySingleAsync<(long, long, long)>(upsertCte + """
            , dirty AS (
                INSERT INTO certification.placement_dirty (placement_id)
                SELECT p.id FROM certification.placement p
                WHERE p.id_hash IN (SELECT DISTINCT id_hash FROM up) AND NOT p.locked
                ON CONFLICT DO NOTHING
                RETURNING 1
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), (SELECT count(*) FROM dirty) FROM up
            """, null, ct);

    private Task<(long, long, long)> UpsertCertificatesAsync(CancellationToken ct) => UpsertAsync("""
        WITH up AS (
            INSERT INTO certification.certificate AS t (id_hash, certificate_type, issued_on, name, certificate_number_enc, certificate_number_hash,
                category, level, valid_until, revoked_on, updated_at)
            SELECT id_hash, certificate_type, issued_on, name, number_enc, number_hash, category, level, valid_until, revoked_on, now() FROM cert_import
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
                SELECT region_code, effective_from, monthly_minimum FROM cert_import
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

    private async Task CreateTempAsync(string columns, CancellationToken ct) =>
        await db.ExecuteAsync($"DROP TABLE IF EXISTS cert_import; CREATE TEMP TABLE cert_import (line bigint, {columns}) ON COMMIT DROP", null, ct);

    private async Task CheckDuplicatesAsync(ImportErrors errors, string keyColumns, string label, CancellationToken ct)
    {
        var duplicates = await db.QueryAsync<(long First, long[] Lines)>($"""
            SELECT min(line), array_agg(line ORDER BY line) FROM cert_import GROUP BY {keyColumns} HAVING count(*) > 1 ORDER BY min(line) LIMIT 100
            """, null, ct);
        foreach (var (first, lines) in duplicates)
            foreach (var line in lines.Skip(1)) errors.Add(line, string.Empty, $"{label}与第{first}行重复");
        errors.ThrowIfAny();
    }

    private string? IdNumber(CsvRow row, DateOnly today)
    {
        var raw = row.Required("id_number");
        if (raw.Length == 0) return null;
        if (Identifiers.CheckIdNumber(raw, today) is { } e) { row.Error("id_number", e); return null; }
        return Identifiers.NormalizeIdNumber(raw);
    }

    private static string Payer(CsvRow row, ImportErrors warnings)
    {
        var code = Identifiers.NormalizeCreditCode(row.Required("payer_credit_code"));
        if (code.Length == 0) return code;
        var (check, message) = Identifiers.CheckCreditCode(code);
        if (check == Identifiers.CreditCodeCheck.Invalid) row.Error("payer_credit_code", message!);
        else if (check == Identifiers.CreditCodeCheck.ChecksumMismatch) warnings.Add(row.Line, "payer_credit_code", message!);
        return code;
    }

    private async Task<long> CertificatesAsync(NpgsqlConnection connection, Stream stream, ImportErrors errors, DateOnly today, CancellationToken ct)
    {
        await CreateTempAsync("id_hash bytea, certificate_type text, issued_on date, name text, number_enc bytea, number_hash bytea, category smallint, " +
                              "level smallint, valid_until date, revoked_on date", ct);
        long rows = 0;
        await using (var writer = await connection.BeginBinaryImportAsync("COPY cert_import FROM STDIN (FORMAT BINARY)", ct))
        {
            CsvFile.Read(stream, ["id_number", "name", "certificate_type", "certificate_number", "level", "issued_on"],
                ["category", "valid_until", "revoked_on"], errors, row =>
            {
                rows++;
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
                if (row.HasErrors || errors.Count > 0) return;
                writer.StartRow();
                writer.Write(row.Line, NpgsqlDbType.Bigint);
                writer.Write(protector.BlindIndex(id!), NpgsqlDbType.Bytea);
                writer.Write(type!, NpgsqlDbType.Text);
                writer.Write(issued!.Value, NpgsqlDbType.Date);
                writer.Write(name, NpgsqlDbType.Text);
                writer.Write(protector.Encrypt(number), NpgsqlDbType.Bytea);
                writer.Write(protector.BlindIndex(number), NpgsqlDbType.Bytea);
                if (category is { } cat) writer.Write((short)cat, NpgsqlDbType.Smallint); else writer.WriteNull();
                writer.Write((short)level!.Value, NpgsqlDbType.Smallint);
                if (validUntil is { } vu) writer.Write(vu, NpgsqlDbType.Date); else writer.WriteNull();
                if (revoked is { } r) writer.Write(r, NpgsqlDbType.Date); else writer.WriteNull();
            }, ct);
            if (errors.Count == 0) await writer.CompleteAsync(ct);
        }
        errors.ThrowIfAny();
        await CheckDuplicatesAsync(errors, "id_hash, certificate_type, issued_on", "同一公民身份号码、证件类型和发证日期", ct);
        return rows;
    }

    private async Task<long> SocialInsuranceAsync(NpgsqlConnection connection, Stream stream, ImportErrors errors, ImportErrors warnings, DateOnly today,
        CancellationToken ct)
    {
        await CreateTempAsync("id_hash bytea, payer_credit_code text, month date, insurance_type text, paid boolean", ct);
        long rows = 0;
        await using (var writer = await connection.BeginBinaryImportAsync("COPY cert_import FROM STDIN (FORMAT BINARY)", ct))
        {
            CsvFile.Read(stream, ["id_number", "payer_credit_code", "month", "insurance_type", "paid"], [], errors, row =>
            {
                rows++;
                var id = IdNumber(row, today);
                var payer = Payer(row, warnings);
                var month = row.Month("month");
                var type = row.OneOf("insurance_type", true, "pension", "medical", "unemployment", "work_injury", "maternity");
                var paid = row.Bool("paid");
                if (row.HasErrors || errors.Count > 0) return;
                writer.StartRow();
                writer.Write(row.Line, NpgsqlDbType.Bigint);
                writer.Write(protector.BlindIndex(id!), NpgsqlDbType.Bytea);
                writer.Write(payer, NpgsqlDbType.Text);
                writer.Write(month!.Value, NpgsqlDbType.Date);
                writer.Write(type!, NpgsqlDbType.Text);
                writer.Write(paid!.Value, NpgsqlDbType.Boolean);
            }, ct);
            if (errors.Count == 0) await writer.CompleteAsync(ct);
        }
        errors.ThrowIfAny();
        await CheckDuplicatesAsync(errors, "id_hash, payer_credit_code, month, insurance_type", "同一公民身份号码、缴费单位、月份和险种", ct);
        return rows;
    }

    private async Task<long> WagesAsync(NpgsqlConnection connection, Stream stream, ImportErrors errors, ImportErrors warnings, DateOnly today, CancellationToken ct)
    {
        await CreateTempAsync("id_hash bytea, payer_credit_code text, month date, gross_wage numeric", ct);
        long rows = 0;
        await using (var writer = await connection.BeginBinaryImportAsync("COPY cert_import FROM STDIN (FORMAT BINARY)", ct))
        {
            CsvFile.Read(stream, ["id_number", "payer_credit_code", "month", "gross_wage"], [], errors, row =>
            {
                rows++;
                var id = IdNumber(row, today);
                var payer = Payer(row, warnings);
                var month = row.Month("month");
                var wage = row.Decimal("gross_wage", true);
                if (row.HasErrors || errors.Count > 0) return;
                writer.StartRow();
                writer.Write(row.Line, NpgsqlDbType.Bigint);
                writer.Write(protector.BlindIndex(id!), NpgsqlDbType.Bytea);
                writer.Write(payer, NpgsqlDbType.Text);
                writer.Write(month!.Value, NpgsqlDbType.Date);
                writer.Write(wage!.Value, NpgsqlDbType.Numeric);
            }, ct);
            if (errors.Count == 0) await writer.CompleteAsync(ct);
        }
        errors.ThrowIfAny();
        await CheckDuplicatesAsync(errors, "id_hash, payer_credit_code, month", "同一公民身份号码、缴费单位和月份", ct);
        return rows;
    }

    private async Task<long> MinimumWagesAsync(NpgsqlConnection connection, Stream stream, ImportErrors errors, CancellationToken ct)
    {
        await CreateTempAsync("region_code text, effective_from date, monthly_minimum numeric", ct);
        long rows = 0;
        await using (var writer = await connection.BeginBinaryImportAsync("COPY cert_import FROM STDIN (FORMAT BINARY)", ct))
        {
            CsvFile.Read(stream, ["region_code", "effective_from", "monthly_minimum"], [], errors, row =>
            {
                rows++;
                var region = row.Required("region_code");
                if (region.Length > 0 && Identifiers.CheckRegionCode(region) is { } e) row.Error("region_code", e);
                var from = row.Date("effective_from", true);
                var minimum = row.Decimal("monthly_minimum", true);
                if (row.HasErrors || errors.Count > 0) return;
                writer.StartRow();
                writer.Write(row.Line, NpgsqlDbType.Bigint);
                writer.Write(region, NpgsqlDbType.Text);
                writer.Write(from!.Value, NpgsqlDbType.Date);
                writer.Write(minimum!.Value, NpgsqlDbType.Numeric);
            }, ct);
            if (errors.Count == 0) await writer.CompleteAsync(ct);
        }
        errors.ThrowIfAny();
        await CheckDuplicatesAsync(errors, "region_code, effective_from", "同一地区代码和生效日期", ct);
        return rows;
    }
}
