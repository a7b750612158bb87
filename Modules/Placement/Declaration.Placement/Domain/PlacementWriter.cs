using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Security;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using Npgsql;

namespace Declaration.Placement.Domain;

/// <summary>
/// Writes placements: the shared steps of declaring, editing, moving the state and importing (duplicate check, encryption,
/// optimistic version, audit). Every write raises the version by one under the row's lock; the events carry it.
/// </summary>
internal sealed class PlacementWriter(IDbSession db, IPersonalDataProtector protector, IAuditLog audit, TimeProvider clock)
{
    public const string Module = "Placement";

    public static void EnsureUnitActor(ICurrentUser user)
    {
        if (user.Role == Role.Reviewer) throw new ForbiddenException("审核人员不能修改单位的安置信息");
    }

    public async Task EnsureNotDuplicateAsync(Guid unitId, int businessYear, string idNumber, Guid? except, CancellationToken ct)
    {
        var exists = await db.ExecuteScalarAsync<bool>($"SELECT EXISTS ({Declared})", new { unitId, businessYear, index = protector.BlindIndex(idNumber), except }, ct);
        if (exists) throw Duplicate(idNumber, businessYear);
    }

    /// <summary>The person (<c>@index</c>) is declared in the unit's year, by a placement other than <c>@except</c> (NULL: any).</summary>
    private const string Declared = """
        SELECT 1 FROM placement.placement
        WHERE unit_id = @unitId AND business_year = @businessYear AND id_number_index = @index AND (@except::uuid IS NULL OR id <> @except)
        """;

    /// <summary>The unique key of a person in a unit's year (<c>UNIQUE (unit_id, business_year, id_number_index)</c>).</summary>
    private const string PersonKey = "placement_unit_id_business_year_id_number_index_key";

    public static InputException Duplicate(string idNumber, int businessYear) =>
        new("IdNumber", $"公民身份号码为 {Masking.IdNumber(idNumber)} 的人员已在本单位{businessYear}年度登记，同一人员在同一业务年度不能重复登记；如需修改请在列表中点击“重新登记”");

    /// <summary>
    /// Inserts a new placement with its automatic result already known (Certification certified its facts first, in this
    /// transaction): the row is written once, and the table's statement triggers (queue and unit stamps, queue counts) run once.
    /// Nothing is read back: the insert travels with the session's next round trip (the COMMIT, with the audit entry and the event),
    /// and the row is what was inserted (a person declared meanwhile by another request still fails as a duplicate, at the commit).
    /// </summary>
    public async Task<PlacementRow> InsertAsync(Guid id, UnitDto unit, PlacementFields f, PlacementState state, ResultSummary result, CancellationToken ct)
    {
        var (category, level) = f.CategoryAndLevel;
        var now = clock.GetUtcNow();
        now = now.AddTicks(-(now.Ticks % 10)); // PostgreSQL keeps microseconds
        var values = Values(f);
        await db.DeferAsync(BatchCommands.Create("""
            INSERT INTO placement.placement AS p (id, unit_id, credit_code, business_year, id_number_enc, id_number_index, id_number_masked, name_enc,
                name_masked, certificate_type, certificate_number_enc, category, level, employment_start, employment_end, contract_type, contract_start,
                contract_end, monthly_wage, retirement_base_50, phone, facts_hash, state, created_at, updated_at,
                qualifying_months, person_months, has_flags, all_clean, result_version)
            VALUES (@id, @unitId, @creditCode, @BusinessYear, @idEnc, @idIndex, @idMasked, @nameEnc, @nameMasked, @CertificateType, @certEnc, @category, @level,
                @EmploymentStart, @EmploymentEnd, @ContractType, @ContractStart, @ContractEnd, @MonthlyWage, @RetirementBase50, @phone, @factsHash, @state, @now, @now,
                @q, @pm, @flagged, @clean, @resultVersion)
            """, new
        {
            id, unitId = unit.Id, creditCode = unit.CreditCode, category, level, state = state.ToString(), now,
            q = result.QualifyingMonths, pm = result.PersonMonths, flagged = result.HasFlags, clean = result.AllClean, resultVersion = result.Version,
        }, values), ct, failure: ex => ex is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: PersonKey } ? Duplicate(f.NormalizedIdNumber, f.BusinessYear) : null);
        // The row as the table now holds it: its defaults are version 1 and no dispute; numeric(14,2) keeps two decimals.
        var row = new PlacementRow(id, unit.Id, unit.CreditCode, f.BusinessYear, values.idEnc, values.idMasked, values.nameEnc, values.nameMasked,
            f.CertificateType, values.certEnc, category, level, f.EmploymentStart, f.EmploymentEnd, f.ContractType, f.ContractStart, f.ContractEnd,
            decimal.Round(f.MonthlyWage, 2) + 0.00m, f.RetirementBase50, values.phone, state.ToString(), "", null, null, 1, now, null);
        await audit.RecordAsync(Module, "Placement", id.ToString(), unit.Id, "添加残疾人", null, row.AuditView(), ct);
        return row;
    }

    /// <summary>Replaces the declared facts (重新登记): back to Draft, dispute, decisions and confirmation cleared, version + 1.</summary>
    public async Task<PlacementRow> UpdateAsync(PlacementRow before, PlacementFields f, string action, CancellationToken ct)
    {
        var (category, level) = f.CategoryAndLevel;
        var updated = await db.ExecuteAsync("""
            UPDATE placement.placement SET id_number_enc = @idEnc, id_number_index = @idIndex, id_number_masked = @idMasked, name_enc = @nameEnc,
                name_masked = @nameMasked, certificate_type = @CertificateType, certificate_number_enc = @certEnc, category = @category, level = @level,
                employment_start = @EmploymentStart, employment_end = @EmploymentEnd, contract_type = @ContractType, contract_start = @ContractStart,
                contract_end = @ContractEnd, monthly_wage = @MonthlyWage, retirement_base_50 = @RetirementBase50, phone = @phone, facts_hash = @factsHash, state = 'Draft',
                disputed_months = '{}', dispute_reason = NULL, confirmed_at = NULL, confirmed_by = NULL, confirmed_person_months = NULL,
                confirmed_qualifying_months = NULL, version = version + 1, updated_at = @now
            WHERE id = @id AND version = @version
            """, Parameters(f, new { id = before.Id, version = before.Version, category, level, now = clock.GetUtcNow() }), ct);
        if (updated == 0) throw Stale();
        await db.ExecuteAsync("DELETE FROM placement.month_decision WHERE placement_id = @id", new { id = before.Id }, ct);
        var after = await LoadAsync(before.Id, ct);
        await audit.RecordAsync(Module, "Placement", before.Id.ToString(), before.UnitId, action, before.AuditView(), after.AuditView(), ct);
        return after;
    }

    /// <summary>Moves the state (with the columns that go with it), checking the version; returns the new row.</summary>
    public async Task<PlacementRow> TransitionAsync(PlacementRow before, PlacementState to, string action, CancellationToken ct,
        int[]? disputedMonths = null, string? disputeReason = null, string? returnReason = null, bool keepReturnReason = false, object? auditExtra = null)
    {
        var updated = await db.ExecuteAsync("""
            UPDATE placement.placement SET state = @to, disputed_months = @months, dispute_reason = @disputeReason,
                return_reason = CASE WHEN @keepReturn THEN return_reason ELSE @returnReason END,
                submitted_at = CASE WHEN @to IN ('AwaitingReview', 'Disputed') THEN @now ELSE submitted_at END,
                version = version + 1, updated_at = @now
            WHERE id = @id AND version = @version
            """, new
        {
            id = before.Id, version = before.Version, to = to.ToString(), months = disputedMonths ?? [], disputeReason, returnReason,
            keepReturn = keepReturnReason, now = clock.GetUtcNow(),
        }, ct);
        if (updated == 0) throw Stale();
        var after = await LoadAsync(before.Id, ct);
        await audit.RecordAsync(Module, "Placement", before.Id.ToString(), before.UnitId, action, before.AuditView(),
            auditExtra is null ? after.AuditView() : new { placement = after.AuditView(), review = auditExtra }, ct);
        return after;
    }

    public Task<PlacementRow> LoadAsync(Guid id, CancellationToken ct) =>
        db.QuerySingleAsync<PlacementRow>($"SELECT {PlacementSql.Columns} FROM placement.placement p WHERE p.id = @id", new { id }, ct);

    public static ConflictException Stale() => new("该人员信息已被他人修改，请刷新页面后重新操作");

    private Dapper.DynamicParameters Parameters(PlacementFields f, object extra)
    {
        var p = new Dapper.DynamicParameters(extra);
        p.AddDynamicParams(Values(f));
        return p;
    }

    /// <summary>The stored form of the declared fields (encrypted, indexed, masked), named as the statements' parameters.</summary>
    private FieldValues Values(PlacementFields f)
    {
        var idNumber = f.NormalizedIdNumber;
        return new FieldValues(f.BusinessYear, protector.Encrypt(idNumber), protector.BlindIndex(idNumber), Masking.IdNumber(idNumber),
            protector.Encrypt(f.CleanName), Masking.Name(f.CleanName), f.CertificateType, protector.Encrypt(f.NormalizedCertificateNumber),
            f.EmploymentStart, f.EmploymentEnd, f.ContractType, f.ContractStart, f.ContractEnd, f.MonthlyWage, f.RetirementBase50, f.CleanPhone,
            protector.BlindIndex(f.Canonical));
    }

#pragma warning disable IDE1006 // named as the SQL parameters
    private sealed record FieldValues(int BusinessYear, byte[] idEnc, byte[] idIndex, string idMasked, byte[] nameEnc, string nameMasked,
        string CertificateType, byte[] certEnc, DateOnly EmploymentStart, DateOnly? EmploymentEnd, string ContractType, DateOnly ContractStart,
        DateOnly? ContractEnd, decimal MonthlyWage, bool RetirementBase50, string? phone, byte[] factsHash);
#pragma warning restore IDE1006
}
