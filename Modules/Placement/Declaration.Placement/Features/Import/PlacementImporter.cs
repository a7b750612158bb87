using System.Globalization;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Security;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using Declaration.Placement.Features.Projections;
using Declaration.Certification.Contracts;
using Declaration.Units.Contracts;
using Mediator;
using NpgsqlTypes;

namespace Declaration.Placement.Features.Import;

/// <summary>
/// The <c>placements</c> file of FORMATS.md, for the CLI import and the employer's 批量申报: streamed into a temporary table with
/// COPY, checked whole (line-numbered errors; duplicates; unknown or foreign units; confirmed placements), then upserted on
/// (credit_code, business_year, id_number). Inserted or changed rows are certified and submitted (AwaitingReview), as if the
/// form had been filled; a row identical to the stored placement changes nothing.
/// </summary>
internal sealed class PlacementImporter(IDbSession db, ISender sender, IPersonalDataProtector protector, ICurrentUser user,
    DeclarationWindow window, CertificationGateway certification, UnitProjection units, ImportHistory history, IAuditLog audit, DeliverySignal signal,
    TimeProvider clock)
{
    public static readonly string[] Required = ["credit_code", "business_year", "id_number", "name", "certificate_number", "employment_start",
        "contract_type", "contract_start", "monthly_wage"];
    public static readonly string[] Optional = ["certificate_type", "employment_end", "contract_end", "retirement_base", "phone"];
    private const int PreviewLimit = 500;

    private static readonly Dictionary<string, string> ColumnOf = new(StringComparer.Ordinal)
    {
        ["BusinessYear"] = "business_year", ["IdNumber"] = "id_number", ["Name"] = "name", ["CertificateType"] = "certificate_type",
        ["CertificateNumber"] = "certificate_number", ["EmploymentStart"] = "employment_start", ["EmploymentEnd"] = "employment_end",
        ["ContractType"] = "contract_type", ["ContractStart"] = "contract_start", ["ContractEnd"] = "contract_end", ["MonthlyWage"] = "monthly_wage",
        ["RetirementBase50"] = "retirement_base", ["Phone"] = "phone",
    };

    /// <param name="onlyUnit">The employer's own unit: rows of any other credit code are errors.</param>
    /// <param name="commit">False: check and preview only, nothing is written.</param>
    public async Task<(BulkDeclarationPreview Preview, ImportResult? Result)> RunAsync(Stream content, UnitDto? onlyUnit, bool commit, CancellationToken ct)
    {
        db.UseLongCommandTimeout();
        var connection = await db.ConnectionAsync(ct);
        await db.ExecuteAsync("""
            CREATE TEMP TABLE placement_import (line bigint, credit_code text, business_year int, id_enc bytea, id_index bytea, id_masked text,
                name_enc bytea, name_masked text, certificate_type text, cert_enc bytea, category int, level int, employment_start date, employment_end date,
                contract_type text, contract_start date, contract_end date, monthly_wage numeric(12, 2), retirement_base_50 boolean, phone text,
                facts_hash bytea, unit_id uuid) ON COMMIT DROP
            """, null, ct);
        var errors = new ImportErrors();
        var preview = new List<BulkRowDto>();
        var today = ChinaTime.Today(clock);
        long rows = 0;
        using var hashing = new HashingStream(content);
        using (var copy = await connection.BeginBinaryImportAsync("""
            COPY placement_import (line, credit_code, business_year, id_enc, id_index, id_masked, name_enc, name_masked, certificate_type, cert_enc,
                category, level, employment_start, employment_end, contract_type, contract_start, contract_end, monthly_wage, retirement_base_50, phone, facts_hash)
            FROM STDIN (FORMAT BINARY)
            """, ct))
        {
            CsvFile.Read(hashing, Required, Optional, errors, row =>
            {
                rows++;
                var fields = Parse(row, today, out var creditCode);
                if (fields is null || row.HasErrors) return;
                var (category, level) = fields.CategoryAndLevel;
                var id = fields.NormalizedIdNumber;
                if (preview.Count < PreviewLimit)
                    preview.Add(new BulkRowDto(row.Line, creditCode, fields.BusinessYear, Masking.IdNumber(id), Masking.Name(fields.CleanName), fields.ContractType, false));
                copy.StartRow();
                copy.Write(row.Line, NpgsqlDbType.Bigint);
                copy.Write(creditCode, NpgsqlDbType.Text);
                copy.Write(fields.BusinessYear, NpgsqlDbType.Integer);
                copy.Write(protector.Encrypt(id), NpgsqlDbType.Bytea);
                copy.Write(protector.BlindIndex(id), NpgsqlDbType.Bytea);
                copy.Write(Masking.IdNumber(id), NpgsqlDbType.Text);
                copy.Write(protector.Encrypt(fields.CleanName), NpgsqlDbType.Bytea);
                copy.Write(Masking.Name(fields.CleanName), NpgsqlDbType.Text);
                copy.Write(fields.CertificateType, NpgsqlDbType.Text);
                copy.Write(protector.Encrypt(fields.NormalizedCertificateNumber), NpgsqlDbType.Bytea);
                WriteNullable(copy, category, NpgsqlDbType.Integer);
                WriteNullable(copy, level, NpgsqlDbType.Integer);
                copy.Write(fields.EmploymentStart, NpgsqlDbType.Date);
                WriteNullable(copy, fields.EmploymentEnd, NpgsqlDbType.Date);
                copy.Write(fields.ContractType, NpgsqlDbType.Text);
                copy.Write(fields.ContractStart, NpgsqlDbType.Date);
                WriteNullable(copy, fields.ContractEnd, NpgsqlDbType.Date);
                copy.Write(fields.MonthlyWage, NpgsqlDbType.Numeric);
                copy.Write(fields.RetirementBase50, NpgsqlDbType.Boolean);
                if (fields.CleanPhone is { } phone) copy.Write(phone, NpgsqlDbType.Text); else copy.WriteNull();
                copy.Write(protector.BlindIndex(fields.Canonical), NpgsqlDbType.Bytea);
            }, ct);
            await copy.CompleteAsync(ct);
        }
        var sha = hashing.HexDigest();

        // The same person twice in one unit-year of the file.
        var duplicates = await db.QueryAsync<(long[] Lines, string Masked)>("""
            SELECT array_agg(line ORDER BY line), min(id_masked) FROM placement_import GROUP BY credit_code, business_year, id_index HAVING count(*) > 1
            """, null, ct);
        foreach (var (lines, masked) in duplicates)
            foreach (var line in lines.Skip(1))
                errors.Add(line, "id_number", $"公民身份号码 {masked} 在同一单位同一业务年度与第{lines[0]}行重复");

        // Units: the employer's own only; otherwise every credit code must be a registered unit.
        var known = new List<UnitDto>();
        var codes = await db.QueryAsync<string>("SELECT DISTINCT credit_code FROM placement_import ORDER BY 1", null, ct);
        foreach (var code in codes)
        {
            UnitDto? unit;
            if (onlyUnit is not null && !string.Equals(code, onlyUnit.CreditCode, StringComparison.Ordinal))
            {
                await AddErrorsAsync(errors, "credit_code = @code", new { code }, "credit_code", $"只能申报本单位（{onlyUnit.CreditCode}）的人员，不能导入其他单位 {code} 的数据", ct);
                continue;
            }
            unit = onlyUnit ?? await sender.Send(new GetUnitByCreditCode(code), ct);
            if (unit is null)
            {
                await AddErrorsAsync(errors, "credit_code = @code", new { code }, "credit_code", $"未找到统一社会信用代码为 {code} 的单位（请先导入单位登记数据）", ct);
                continue;
            }
            await db.ExecuteAsync("UPDATE placement_import SET unit_id = @id WHERE credit_code = @code", new { id = unit.Id, code }, ct);
            known.Add(unit);
        }

        // The declaration window of each unit-year (AnnualReview decides), and whether an approved reopen unlocked its confirmed placements.
        var unitYears = await db.QueryAsync<(Guid UnitId, int Year, long Line)>(
            "SELECT unit_id, business_year, min(line) FROM placement_import WHERE unit_id IS NOT NULL GROUP BY unit_id, business_year", null, ct);
        var unlocked = new List<(Guid UnitId, int Year)>();
        foreach (var (unitId, year, line) in unitYears)
        {
            try
            {
                if ((await window.EnsureOpenAsync(unitId, year, ct)).ConfirmedEditable) unlocked.Add((unitId, year));
            }
            catch (BusinessRuleException ex) { errors.Add(line, "business_year", $"{year}年度：{ex.Message}"); }
        }

        // A Confirmed placement changes only through an approved reopen.
        await AddErrorsAsync(errors, """
            EXISTS (SELECT 1 FROM placement.placement p
                    WHERE p.unit_id = i.unit_id AND p.business_year = i.business_year AND p.id_number_index = i.id_index
                      AND p.state = 'Confirmed' AND p.facts_hash <> i.facts_hash)
            AND (i.unit_id, i.business_year) NOT IN (SELECT u, y FROM unnest(@units::uuid[], @years::int[]) AS x(u, y))
            """, new { units = unlocked.Select(u => u.UnitId).ToArray(), years = unlocked.Select(u => u.Year).ToArray() },
            "id_number", "该人员已被残联确认，不能通过导入修改（如需修改请先提交年审认证反馈）", ct);

        if (preview.Count > 0)
        {
            var existing = (await db.QueryAsync<long>("""
                SELECT i.line FROM placement_import i JOIN placement.placement p
                  ON p.unit_id = i.unit_id AND p.business_year = i.business_year AND p.id_number_index = i.id_index
                """, null, ct)).ToHashSet();
            for (var k = 0; k < preview.Count; k++)
                if (existing.Contains(preview[k].Line)) preview[k] = preview[k] with { Exists = true };
        }
        var result = new BulkDeclarationPreview(preview, errors.Kept.OrderBy(e => e.Line).ToList(), errors.Count);
        if (!commit) return (result, null);
        errors.ThrowIfAny();
        foreach (var unit in known) await units.RefreshAsync(unit, ct);
        var imported = await WriteAsync(sha, rows, ct);
        return (result, imported);
    }

    /// <summary>
    /// Writes the file's new and changed rows (identical rows change nothing), certifies them all in one set-based engine run, and
    /// submits them for review (AwaitingReview) with one PlacementSubmitted each, carrying the version.
    /// </summary>
    private async Task<ImportResult> WriteAsync(string sha, long rows, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await db.ExecuteAsync("CREATE TEMP TABLE placement_import_changed (id uuid PRIMARY KEY, reopened boolean NOT NULL) ON COMMIT DROP", null, ct);
        var updated = await db.ExecuteAsync("""
            WITH up AS (
                UPDATE placement.placement p SET id_number_enc = i.id_enc, id_number_masked = i.id_masked, name_enc = i.name_enc, name_masked = i.name_masked,
                    certificate_type = i.certificate_type, certificate_number_enc = i.cert_enc, category = i.category, level = i.level,
                    employment_start = i.employment_start, employment_end = i.employment_end, contract_type = i.contract_type, contract_start = i.contract_start,
                    contract_end = i.contract_end, monthly_wage = i.monthly_wage, retirement_base_50 = i.retirement_base_50, phone = i.phone,
                    facts_hash = i.facts_hash, state = 'Draft', disputed_months = '{}', dispute_reason = NULL, confirmed_at = NULL, confirmed_by = NULL,
                    confirmed_person_months = NULL, confirmed_qualifying_months = NULL, version = p.version + 1, updated_at = @now
                FROM placement_import i
                WHERE p.unit_id = i.unit_id AND p.business_year = i.business_year AND p.id_number_index = i.id_index AND p.facts_hash <> i.facts_hash
                RETURNING p.id
            )
            INSERT INTO placement_import_changed (id, reopened) SELECT id, true FROM up
            """, new { now }, ct);
        await db.ExecuteAsync("DELETE FROM placement.month_decision d USING placement_import_changed c WHERE d.placement_id = c.id", null, ct);
        var inserted = await db.ExecuteAsync("""
            WITH ins AS (
                INSERT INTO placement.placement (id, unit_id, credit_code, business_year, id_number_enc, id_number_index, id_number_masked, name_enc, name_masked,
                    certificate_type, certificate_number_enc, category, level, employment_start, employment_end, contract_type, contract_start, contract_end,
                    monthly_wage, retirement_base_50, phone, facts_hash, state, created_at, updated_at)
                SELECT gen_random_uuid(), i.unit_id, i.credit_code, i.business_year, i.id_enc, i.id_index, i.id_masked, i.name_enc, i.name_masked,
                    i.certificate_type, i.cert_enc, i.category, i.level, i.employment_start, i.employment_end, i.contract_type, i.contract_start, i.contract_end,
                    i.monthly_wage, i.retirement_base_50, i.phone, i.facts_hash, 'Draft', @now, @now
                FROM placement_import i
                WHERE NOT EXISTS (SELECT 1 FROM placement.placement p
                                  WHERE p.unit_id = i.unit_id AND p.business_year = i.business_year AND p.id_number_index = i.id_index)
                ORDER BY i.line
                RETURNING id
            )
            INSERT INTO placement_import_changed (id, reopened) SELECT id, false FROM ins
            """, new { now }, ct);

        // Certify every new or changed placement in one engine run (with the other placements of the same persons).
        var changed = await db.QueryAsync<PlacementRow>($"""
            SELECT {PlacementSql.Columns} FROM placement.placement p JOIN placement_import_changed c ON c.id = p.id ORDER BY p.id
            """, null, ct);
        if (changed.Count > 0)
        {
            await sender.Send(new CertifyPlacements(changed.Select(r => CertificationGateway.Facts(r, protector.Decrypt(r.IdNumberEnc))).ToList()), ct);
            foreach (var chunk in changed.Chunk(1000))
                await certification.ApplyAsync(await sender.Send(new GetCertificationResultsByIds(chunk.Select(r => r.Id).ToArray()), ct), ct);
        }

        // Submit them all for review, each with its event.
        await db.ExecuteAsync("""
            WITH sub AS (
                UPDATE placement.placement p SET state = 'AwaitingReview', submitted_at = @now, version = p.version + 1, updated_at = @now
                FROM placement_import_changed c WHERE c.id = p.id
                RETURNING p.id, p.unit_id, p.business_year, p.name_masked, p.version
            ), e AS (SELECT gen_random_uuid() AS event_id, sub.* FROM sub)
            INSERT INTO placement.outbox (id, type, payload, occurred_at)
            SELECT e.event_id, @type, jsonb_build_object('id', e.event_id, 'occurredAt', @now, 'placementId', e.id, 'unitId', e.unit_id,
                'businessYear', e.business_year, 'maskedName', e.name_masked, 'version', e.version), @now
            FROM e ORDER BY e.id
            """, new { now, type = typeof(PlacementSubmitted).FullName }, ct);
        if (changed.Count > 0) db.AfterCommit(signal.Pulse);
        var reopened = (await db.QueryAsync<Guid>("SELECT id FROM placement_import_changed WHERE reopened", null, ct)).ToHashSet();
        foreach (var row in changed)
            await audit.RecordAsync(PlacementWriter.Module, "Placement", row.Id.ToString(), row.UnitId, reopened.Contains(row.Id) ? "批量申报（更新）" : "批量申报（新增）",
                null, row.AuditView(), ct);
        var result = new ImportResult("placements", rows, inserted, updated, sha);
        await history.RecordAsync(result, ct);
        await audit.RecordAsync(PlacementWriter.Module, "Import", sha, null, "导入安置人员", null, new { result.Rows, result.Inserted, result.Updated, by = user.UserName }, ct);
        return result;
    }

    private async Task AddErrorsAsync(ImportErrors errors, string where, object? param, string column, string reason, CancellationToken ct)
    {
        var lines = await db.QueryAsync<long>($"SELECT line FROM placement_import i WHERE {where} ORDER BY line LIMIT 100", param, ct);
        foreach (var line in lines) errors.Add(line, column, reason);
    }

    private static void WriteNullable<T>(Npgsql.NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type) where T : struct
    {
        if (value is { } v) copy.Write(v, type); else copy.WriteNull();
    }

    /// <summary>One row's fields, with every failing cell recorded as a line-numbered error (the form's checks, RULES.md §1–2).</summary>
    private static PlacementFields? Parse(CsvRow row, DateOnly today, out string creditCode)
    {
        creditCode = Identifiers.NormalizeCreditCode(row.Required("credit_code"));
        if (creditCode.Length > 0 && Identifiers.CheckCreditCode(creditCode) is (Identifiers.CreditCodeCheck.Invalid, var message)) row.Error("credit_code", message!);
        var year = row.Int("business_year", true, 1900, 9999);
        var idNumber = row.Required("id_number");
        var name = row.Required("name");
        var certType = row.OneOf("certificate_type", false, CertificateTypes.Disability, CertificateTypes.Veteran) ?? CertificateTypes.Disability;
        var certNumber = row.Required("certificate_number");
        var employmentStart = row.Date("employment_start", true);
        var employmentEnd = row.Date("employment_end", false);
        var contractType = row.OneOf("contract_type", true, [.. ContractTypes.Labels.Keys]);
        var contractStart = row.Date("contract_start", true);
        var contractEnd = row.Date("contract_end", false);
        var wage = row.Decimal("monthly_wage", true);
        var retirement = row.OneOf("retirement_base", false, "50", "55", "60");
        var phone = row.Get("phone");
        if (row.HasErrors || year is null || employmentStart is null || contractType is null || contractStart is null || wage is null) return null;
        var fields = new PlacementFields(year.Value, idNumber, name, certType, certNumber, employmentStart.Value, employmentEnd, contractType,
            contractStart.Value, contractEnd, wage.Value, retirement == "50", phone);
        foreach (var (field, reason) in PlacementValidation.Check(fields, today))
            row.Error(ColumnOf.GetValueOrDefault(field, field), reason);
        return fields;
    }
}
