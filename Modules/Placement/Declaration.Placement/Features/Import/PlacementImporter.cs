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
using Declaration.AnnualReview.Contracts;
using Declaration.Certification.Contracts;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.Placement.Features.Import;

/// <summary>
/// The <c>placements</c> file of FORMATS.md, for the CLI import and the employer's 批量申报 (CSV or the Excel template), through the one
/// import path (<see cref="TabularImport"/>): streamed into a temporary table with COPY, checked whole (line-numbered errors;
/// duplicates; unknown or foreign units; closed declaration windows; confirmed placements), then upserted on (credit_code,
/// business_year, id_number). Inserted or changed rows are certified in one engine run over the whole set — their facts handed to
/// Certification in chunks through its staging contract — and submitted (AwaitingReview) as if the form had been filled, with their
/// events and audit entries written set-wise; a row identical to the stored placement changes nothing. Memory holds one chunk.
/// </summary>
internal sealed class PlacementImporter(IDbSession db, ISender sender, IPersonalDataProtector protector, TabularImport import, ICurrentUser user,
    DeclarationWindow window, CertificationGateway certification, UnitProjection units, IAuditLog audit, DeliverySignal signal, TimeProvider clock)
{
    private const int PreviewLimit = 500;
    private const int Chunk = 5000;

    /// <summary>The Excel template's sheet holding the rows.</summary>
    public const string SheetName = "批量申报";

    public static readonly IReadOnlyDictionary<string, string> RetirementLabels = new Dictionary<string, string>
    {
        ["60"] = "60周岁", ["55"] = "55周岁", ["50"] = "50周岁",
    };

    public static readonly ImportSpec Spec = new()
    {
        Kind = "placements",
        Columns =
        [
            new("credit_code", true, "统一社会信用代码"), new("business_year", true, "业务年度"), new("id_number", true, "公民身份号码", KeepAsText: true),
            new("name", true, "姓名"), new("certificate_type", false, "证件类型"), new("certificate_number", true, "证件号码", KeepAsText: true),
            new("employment_start", true, "就业开始日期"), new("employment_end", false, "就业结束日期"), new("contract_type", true, "合同类型"),
            new("contract_start", true, "合同开始日期"), new("contract_end", false, "合同结束日期"), new("monthly_wage", true, "月工资（元）"),
            new("retirement_base", false, "退休年龄基准"), new("phone", false, "联系电话"),
        ],
        StagingColumns = """
            credit_code text, business_year int, id_enc bytea, id_index bytea, id_masked text, name_enc bytea, name_masked text, certificate_type text,
            cert_enc bytea, category int, level int, employment_start date, employment_end date, contract_type text, contract_start date, contract_end date,
            monthly_wage numeric(12, 2), retirement_base_50 boolean, phone text, facts_hash bytea, unit_id uuid
            """,
    };

    private static readonly Dictionary<string, string> ColumnOf = new(StringComparer.Ordinal)
    {
        ["BusinessYear"] = "business_year", ["IdNumber"] = "id_number", ["Name"] = "name", ["CertificateType"] = "certificate_type",
        ["CertificateNumber"] = "certificate_number", ["EmploymentStart"] = "employment_start", ["EmploymentEnd"] = "employment_end",
        ["ContractType"] = "contract_type", ["ContractStart"] = "contract_start", ["ContractEnd"] = "contract_end", ["MonthlyWage"] = "monthly_wage",
        ["RetirementBase50"] = "retirement_base", ["Phone"] = "phone",
    };

    /// <param name="onlyUnit">The employer's own unit: rows of any other credit code are errors.</param>
    /// <param name="commit">False: check and preview only, nothing is written.</param>
    public async Task<(BulkDeclarationPreview Preview, ImportResult? Result)> RunAsync(ImportSource source, UnitDto? onlyUnit, bool commit, CancellationToken ct)
    {
        var preview = new List<BulkRowDto>();
        var today = ChinaTime.Today(clock);
        StagedImport staged;
        try
        {
            staged = await StageAsync(source, preview, today, ct);
        }
        catch (ImportRejectedException ex) when (!commit)
        {
            return (new BulkDeclarationPreview([], ex.Errors, ex.Total), null);
        }
        catch (InputException ex) when (!commit)
        {
            return (new BulkDeclarationPreview([], [new ImportError(0, string.Empty, ex.Describe())], 1), null);
        }
        var errors = staged.Errors;
        var table = staged.Table;

        // The same person twice in one unit-year of the file.
        await staged.DuplicatesAsync("credit_code, business_year, id_index", "id_number", first => $"该公民身份号码在同一单位同一业务年度与第{first}行重复", ct);

        // Units: the employer's own only; otherwise every credit code must be a registered unit.
        var known = new List<UnitDto>();
        var codes = await db.QueryAsync<string>($"SELECT DISTINCT credit_code FROM {table} ORDER BY 1", null, ct);
        var registered = onlyUnit is not null ? new Dictionary<string, UnitDto> { [onlyUnit.CreditCode] = onlyUnit }
            : (await sender.Send(new GetUnitsByCreditCodes(codes), ct)).ToDictionary(u => u.CreditCode, StringComparer.Ordinal);
        foreach (var code in codes)
        {
            if (onlyUnit is not null && !string.Equals(code, onlyUnit.CreditCode, StringComparison.Ordinal))
            {
                await staged.ErrorsWhereAsync("credit_code = @code", new { code }, "credit_code", $"只能申报本单位（{onlyUnit.CreditCode}）的人员，不能导入其他单位 {code} 的数据", ct);
                continue;
            }
            if (!registered.TryGetValue(code, out var unit))
            {
                await staged.ErrorsWhereAsync("credit_code = @code", new { code }, "credit_code", $"未找到统一社会信用代码为 {code} 的单位（请先导入单位登记数据）", ct);
                continue;
            }
            known.Add(unit);
        }
        if (known.Count > 0)
            await db.ExecuteAsync($"""
                UPDATE {table} i SET unit_id = u.id FROM unnest(@ids::uuid[], @codes::text[]) AS u(id, code) WHERE i.credit_code = u.code
                """, new { ids = known.Select(u => u.Id).ToArray(), codes = known.Select(u => u.CreditCode).ToArray() }, ct);

        // The declaration window of each unit-year (AnnualReview decides), and whether an approved reopen unlocked its confirmed placements.
        var unitYears = await db.QueryAsync<(Guid UnitId, int Year, long Line)>(
            $"SELECT unit_id, business_year, min(line) FROM {table} WHERE unit_id IS NOT NULL GROUP BY unit_id, business_year", null, ct);
        var unlocked = new List<(Guid UnitId, int Year)>();
        if (onlyUnit is null && user.Role is Role.Admin or Role.System)
        {
            foreach (var year in unitYears.GroupBy(u => u.Year))
            {
                var answers = await sender.Send(new CheckDeclarationsOpen(year.Select(u => u.UnitId).ToList(), year.Key), ct);
                foreach (var (unitId, y, line) in year)
                {
                    var answer = answers[unitId];
                    if (!answer.Open) errors.Add(line, "business_year", $"{y}年度：{answer.Reason}");
                    else if (answer.ConfirmedEditable) unlocked.Add((unitId, y));
                }
            }
        }
        else
            foreach (var (unitId, year, line) in unitYears)
            {
                try
                {
                    if ((await window.EnsureOpenAsync(unitId, year, ct)).ConfirmedEditable) unlocked.Add((unitId, year));
                }
                catch (BusinessRuleException ex) { errors.Add(line, "business_year", $"{year}年度：{ex.Message}"); }
            }

        // A Confirmed placement changes only through an approved reopen.
        await staged.ErrorsWhereAsync("""
            EXISTS (SELECT 1 FROM placement.placement p
                    WHERE p.unit_id = i.unit_id AND p.business_year = i.business_year AND p.id_number_index = i.id_index
                      AND p.state = 'Confirmed' AND p.facts_hash <> i.facts_hash)
            AND (i.unit_id, i.business_year) NOT IN (SELECT u, y FROM unnest(@units::uuid[], @years::int[]) AS x(u, y))
            """, new { units = unlocked.Select(u => u.UnitId).ToArray(), years = unlocked.Select(u => u.Year).ToArray() },
            "id_number", "该人员已被残联确认，不能通过导入修改（如需修改请先提交年审认证反馈）", ct);

        if (preview.Count > 0)
        {
            var existing = (await db.QueryAsync<long>($"""
                SELECT i.line FROM {table} i JOIN placement.placement p
                  ON p.unit_id = i.unit_id AND p.business_year = i.business_year AND p.id_number_index = i.id_index
                WHERE i.line = ANY(@lines)
                """, new { lines = preview.Select(r => r.Line).ToArray() }, ct)).ToHashSet();
            for (var k = 0; k < preview.Count; k++)
                if (existing.Contains(preview[k].Line)) preview[k] = preview[k] with { Exists = true };
        }
        var result = new BulkDeclarationPreview(preview, errors.Kept.OrderBy(e => e.Line).ToList(), errors.Count);
        if (!commit) return (result, null);
        staged.ThrowIfRejected();
        if (known.Count > 0) await units.RefreshAsync(known, ct);
        var imported = await import.CompleteAsync(staged, WriteAsync, PlacementWriter.Module, "导入安置人员", ct);
        return (result, imported);
    }

    private Task<StagedImport> StageAsync(ImportSource source, List<BulkRowDto> preview, DateOnly today, CancellationToken ct) =>
        import.StageAsync(Spec, source with { PreferredSheet = SheetName }, (row, w) =>
        {
            var fields = Parse(row, today, out var creditCode);
            if (fields is null || row.HasErrors) return;
            var (category, level) = fields.CategoryAndLevel;
            var id = fields.NormalizedIdNumber;
            if (preview.Count < PreviewLimit)
                preview.Add(new BulkRowDto(row.Line, creditCode, fields.BusinessYear, Masking.IdNumber(id), Masking.Name(fields.CleanName), fields.ContractType, false));
            w.Row(row.Line).Text(creditCode).Int(fields.BusinessYear).Bytes(protector.Encrypt(id)).Bytes(protector.BlindIndex(id)).Text(Masking.IdNumber(id))
                .Bytes(protector.Encrypt(fields.CleanName)).Text(Masking.Name(fields.CleanName)).Text(fields.CertificateType)
                .Bytes(protector.Encrypt(fields.NormalizedCertificateNumber)).Int(category).Int(level).Date(fields.EmploymentStart).Date(fields.EmploymentEnd)
                .Text(fields.ContractType).Date(fields.ContractStart).Date(fields.ContractEnd).Decimal(fields.MonthlyWage).Bool(fields.RetirementBase50)
                .Text(fields.CleanPhone).Bytes(protector.BlindIndex(fields.Canonical)).Int(null);
            // unit_id is filled below; Int(null) wrote its NULL.
        }, ct);

    /// <summary>
    /// Writes the file's new and changed rows (identical rows change nothing), certifies them all in one set-based engine run, and
    /// submits them for review (AwaitingReview) with one PlacementSubmitted each, carrying the version; all set-wise.
    /// </summary>
    private async Task<(long Inserted, long Updated)> WriteAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var table = Spec.Table;
        await db.ExecuteAsync("DROP TABLE IF EXISTS placement_import_changed; CREATE TEMP TABLE placement_import_changed (id uuid PRIMARY KEY, reopened boolean NOT NULL) ON COMMIT DROP", null, ct);
        var updated = await db.ExecuteAsync($$"""
            WITH up AS (
                UPDATE placement.placement p SET id_number_enc = i.id_enc, id_number_masked = i.id_masked, name_enc = i.name_enc, name_masked = i.name_masked,
                    certificate_type = i.certificate_type, certificate_number_enc = i.cert_enc, category = i.category, level = i.level,
                    employment_start = i.employment_start, employment_end = i.employment_end, contract_type = i.contract_type, contract_start = i.contract_start,
                    contract_end = i.contract_end, monthly_wage = i.monthly_wage, retirement_base_50 = i.retirement_base_50, phone = i.phone,
                    facts_hash = i.facts_hash, state = 'Draft', disputed_months = '{}', dispute_reason = NULL, confirmed_at = NULL, confirmed_by = NULL,
                    confirmed_person_months = NULL, confirmed_qualifying_months = NULL, version = p.version + 1, updated_at = @now
                FROM {{table}} i
                WHERE p.unit_id = i.unit_id AND p.business_year = i.business_year AND p.id_number_index = i.id_index AND p.facts_hash <> i.facts_hash
                RETURNING p.id
            )
            INSERT INTO placement_import_changed (id, reopened) SELECT id, true FROM up
            """, new { now }, ct);
        await db.ExecuteAsync("DELETE FROM placement.month_decision d USING placement_import_changed c WHERE d.placement_id = c.id", null, ct);
        var inserted = await db.ExecuteAsync($"""
            WITH ins AS (
                INSERT INTO placement.placement (id, unit_id, credit_code, business_year, id_number_enc, id_number_index, id_number_masked, name_enc, name_masked,
                    certificate_type, certificate_number_enc, category, level, employment_start, employment_end, contract_type, contract_start, contract_end,
                    monthly_wage, retirement_base_50, phone, facts_hash, state, created_at, updated_at)
                SELECT gen_random_uuid(), i.unit_id, i.credit_code, i.business_year, i.id_enc, i.id_index, i.id_masked, i.name_enc, i.name_masked,
                    i.certificate_type, i.cert_enc, i.category, i.level, i.employment_start, i.employment_end, i.contract_type, i.contract_start, i.contract_end,
                    i.monthly_wage, i.retirement_base_50, i.phone, i.facts_hash, 'Draft', @now, @now
                FROM {table} i
                WHERE NOT EXISTS (SELECT 1 FROM placement.placement p
                                  WHERE p.unit_id = i.unit_id AND p.business_year = i.business_year AND p.id_number_index = i.id_index)
                ORDER BY i.line
                RETURNING id
            )
            INSERT INTO placement_import_changed (id, reopened) SELECT id, false FROM ins
            """, new { now }, ct);
        if (inserted + updated == 0) return (0, 0);

        // Certify every new or changed placement in one engine run (with the other placements of the same persons): the facts go to
        // Certification a chunk at a time (the IdNumber decrypted in memory for that chunk only), then the results come back by pages.
        var after = Guid.Empty;
        while (true)
        {
            var chunk = await db.QueryAsync<FactsRow>("""
                SELECT p.id, p.unit_id AS UnitId, p.business_year AS BusinessYear, p.id_number_enc AS IdNumberEnc, p.employment_start AS EmploymentStart,
                       p.employment_end AS EmploymentEnd, p.contract_type AS ContractType, p.contract_start AS ContractStart, p.contract_end AS ContractEnd,
                       p.monthly_wage AS MonthlyWage, p.retirement_base_50 AS RetirementBase50
                FROM placement_import_changed c JOIN placement.placement p ON p.id = c.id
                WHERE c.id > @after ORDER BY c.id LIMIT @limit
                """, new { after, limit = Chunk }, ct);
            if (chunk.Count == 0) break;
            await sender.Send(new StagePlacementFacts(chunk.Select(r => new PlacementFacts(r.Id, r.UnitId, r.BusinessYear, protector.Decrypt(r.IdNumberEnc),
                r.EmploymentStart, r.EmploymentEnd, r.ContractType, r.ContractStart, r.ContractEnd, r.MonthlyWage, r.RetirementBase50)).ToList()), ct);
            after = chunk[^1].Id;
        }
        await sender.Send(new CertifyStagedPlacements(), ct);
        after = Guid.Empty;
        while (true)
        {
            var results = await sender.Send(new GetStagedResultSummaries(after, Chunk), ct);
            if (results.Count == 0) break;
            await certification.ApplyAsync(results.Select(r => new ResultSummary(r.PlacementId, r.QualifyingMonths, r.PersonMonths, r.HasFlags,
                r.AllQualifyWithoutFlags, r.Version)).ToList(), ct);
            after = results[^1].PlacementId;
        }

        // Submit them all for review, each with its event and its audit entry.
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
        db.AfterCommit(signal.Pulse);
        await audit.RecordSetAsync(PlacementWriter.Module, "Placement", """
            SELECT p.id::text AS entity_id, p.unit_id, CASE WHEN c.reopened THEN '批量申报（更新）' ELSE '批量申报（新增）' END AS action, NULL::jsonb AS before,
                   jsonb_build_object('businessYear', p.business_year, 'idNumber', p.id_number_masked, 'name', p.name_masked,
                       'certificateType', p.certificate_type, 'category', p.category, 'level', p.level, 'employmentStart', p.employment_start,
                       'employmentEnd', p.employment_end, 'contractType', p.contract_type, 'contractStart', p.contract_start, 'contractEnd', p.contract_end,
                       'monthlyWage', p.monthly_wage, 'retirementBase50', p.retirement_base_50,
                       -- masked as Masking.Phone masks it: the audit log holds no personal data in clear
                       'phone', CASE WHEN p.phone IS NULL THEN NULL WHEN length(p.phone) < 8 THEN '****'
                                     ELSE left(p.phone, 3) || repeat('*', length(p.phone) - 7) || right(p.phone, 4) END, 'state', p.state,
                       'disputedMonths', to_jsonb(p.disputed_months), 'disputeReason', p.dispute_reason, 'returnReason', p.return_reason,
                       'version', p.version) AS after
            FROM placement_import_changed c JOIN placement.placement p ON p.id = c.id
            ORDER BY p.id
            """, null, ct);
        return (inserted, updated);
    }

    private sealed record FactsRow(Guid Id, Guid UnitId, int BusinessYear, byte[] IdNumberEnc, DateOnly EmploymentStart, DateOnly? EmploymentEnd,
        string ContractType, DateOnly ContractStart, DateOnly? ContractEnd, decimal MonthlyWage, bool RetirementBase50);

    /// <summary>One row's fields, with every failing cell recorded as a line-numbered error (the form's checks, RULES.md §1–2).</summary>
    private static PlacementFields? Parse(CsvRow row, DateOnly today, out string creditCode)
    {
        creditCode = Identifiers.NormalizeCreditCode(row.Required("credit_code"));
        if (creditCode.Length > 0 && Identifiers.CheckCreditCode(creditCode) is (Identifiers.CreditCodeCheck.Invalid, var message)) row.Error("credit_code", message!);
        var year = row.Int("business_year", true, 1900, 9999);
        var idNumber = row.Required("id_number");
        var name = row.Required("name");
        var certType = row.Code("certificate_type", false, CertificateTypes.Labels) ?? CertificateTypes.Disability;
        var certNumber = row.Required("certificate_number");
        var employmentStart = row.Date("employment_start", true);
        var employmentEnd = row.Date("employment_end", false);
        var contractType = row.Code("contract_type", true, ContractTypes.Labels);
        var contractStart = row.Date("contract_start", true);
        var contractEnd = row.Date("contract_end", false);
        var wage = row.Decimal("monthly_wage", true);
        var retirement = row.Code("retirement_base", false, RetirementLabels);
        var phone = row.Get("phone");
        if (row.HasErrors || year is null || employmentStart is null || contractType is null || contractStart is null || wage is null) return null;
        var fields = new PlacementFields(year.Value, idNumber, name, certType, certNumber, employmentStart.Value, employmentEnd, contractType,
            contractStart.Value, contractEnd, wage.Value, retirement == "50", phone);
        foreach (var (field, reason) in PlacementValidation.Check(fields, today))
            row.Error(ColumnOf.GetValueOrDefault(field, field), field == "IdNumber" && LostDigits(idNumber)
                ? reason + "。号码末尾是000，很可能是Excel把它当作数字保存后丢失了末几位：请把该列设置为“文本”格式后重新输入"
                : reason);
        return fields;
    }

    /// <summary>An 18-digit number ending in 000: what Excel leaves of an IdNumber it stored as a number (15 significant digits).</summary>
    private static bool LostDigits(string id) => id.Length == 18 && id.All(char.IsAsciiDigit) && id.EndsWith("000", StringComparison.Ordinal);
}
