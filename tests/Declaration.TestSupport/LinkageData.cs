using System.Text;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.TestSupport;

/// <summary>
/// Units, linkage data and placements for the engine and review tests (business year 2025), shared by the module test assemblies:
/// linkage data through Certification's imports, placements through Placement's commands (or straight to the engine).
/// </summary>
public static class LinkageData
{
    /// <summary>The test assembly's app (set by its fixture).</summary>
    public static TestApp Current { get; set; } = null!;

    public const int Year = 2025;
    public const string A = "91330106MA2CDE0A1M";   // 330106 西湖, federation 330106
    public const string B = "91330212MA2CDE0C3Q";   // 330212 宁波
    public const string C = "91330106MA2CDE0B2R";   // 330106
    public const string D = "91330108MA2CDE0D4Y";   // 330108, dispatch agency
    public const string E = "91330106MA2CDE0E56";   // 330106, payroll agent

    private static readonly int[] W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    /// <summary>A valid IdNumber (RULES.md §1) for a birth date; odd <paramref name="seq"/> = male.</summary>
    public static string IdNumber(string birth, int seq, string region = "330106")
    {
        var body = region + birth + seq.ToString("000");
        var sum = 0;
        for (var i = 0; i < 17; i++) sum += (body[i] - '0') * W[i];
        return body + "10X98765432"[sum % 11];
    }

    public static MemoryStream Csv(params string[] lines) => new(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));

    public static async Task<Dictionary<string, UnitDto>> UnitsAsync(params (string Code, string Related, string Type, string From, string? To)[] related)
    {
        const string header = "credit_code,name,unit_type,region_code,federation_code,tax_authority_code,legal_representative,legal_phone,contact_name,contact_mobile,address";
        static string Row(string code, string name, string region) => $"{code},{name},enterprise,{region},{region},TAX{region},法人,0571-87001234,经办人,13800571234,地址";
        await Current.SendAsync(TestUsers.System, new ImportUnits(Csv(header, Row(A, "甲公司", "330106"), Row(B, "乙公司", "330212"), Row(C, "丙中心", "330106"),
            Row(D, "丁派遣", "330108"), Row(E, "戊代理", "330106"))));
        if (related.Length > 0)
        {
            var lines = new List<string> { "credit_code,related_credit_code,related_name,relation_type,valid_from,valid_to" };
            lines.AddRange(related.Select(r => $"{r.Code},{r.Related},关联{r.Related[^2..]},{r.Type},{r.From},{r.To}"));
            await Current.SendAsync(TestUsers.System, new ImportRelatedUnits(Csv([.. lines])));
        }
        var result = new Dictionary<string, UnitDto>();
        foreach (var code in new[] { A, B, C, D, E })
            result[code] = (await Current.SendAsync(TestUsers.System, new GetUnitByCreditCode(code)))!;
        return result;
    }

    public static Task<ImportResult> ImportAsync(string kind, params string[] lines) =>
        Current.SendAsync(TestUsers.System, new ImportLinkageData(kind, Csv(lines)));

    public static Task MinimumWagesAsync(params string[] rows) =>
        ImportAsync("minimum-wages", ["region_code,effective_from,monthly_minimum", .. rows]);

    public static Task StandardMinimumWagesAsync() => MinimumWagesAsync("330000,2024-01-01,2280", "330100,2025-01-01,2490", "330200,2025-01-01,2490");

    public static Task CertificateAsync(string id, int category = 4, int level = 3, string issued = "2015-01-01", string? validUntil = null, string? revoked = null) =>
        ImportAsync("certificates", "id_number,name,certificate_type,certificate_number,category,level,issued_on,valid_until,revoked_on",
            $"{id},某人,disability,{id}{category}{level},{category},{level},{issued},{validUntil},{revoked}");

    public static Task VeteranAsync(string id, int level, string issued = "2015-01-01") =>
        ImportAsync("certificates", "id_number,name,certificate_type,certificate_number,category,level,issued_on,valid_until,revoked_on",
            $"{id},某人,veteran,JUN{id[^6..]},,{level},{issued},,");

    /// <summary>Pension (and wage records of <paramref name="wage"/> when given) paid by <paramref name="payer"/> in the listed months.</summary>
    public static async Task PaidAsync(string id, string payer, IEnumerable<int> months, decimal? wage = 5000m, bool paid = true)
    {
        var list = months.ToList();
        await ImportAsync("social-insurance", ["id_number,payer_credit_code,month,insurance_type,paid",
            .. list.Select(m => $"{id},{payer},{Year}-{m:00},pension,{(paid ? 1 : 0)}")]);
        if (wage is { } w)
            await ImportAsync("wages", ["id_number,payer_credit_code,month,gross_wage", .. list.Select(m => $"{id},{payer},{Year}-{m:00},{w:0.00}")]);
    }

    public static readonly int[] AllYear = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

    /// <summary>The engine's facts of a placement of <paramref name="unit"/> (for tests of the engine on its own).</summary>
    public static PlacementFacts Facts(UnitDto unit, string id, string contractType = "open_ended", DateOnly? contractEnd = null,
        DateOnly? employmentStart = null, DateOnly? employmentEnd = null, decimal wage = 5000m, bool base50 = false, Guid? placementId = null) =>
        new(placementId ?? Guid.NewGuid(), unit.Id, Year, id, employmentStart ?? new DateOnly(2020, 1, 1), employmentEnd, contractType,
            new DateOnly(2020, 1, 1), contractEnd, wage, base50);

    public static Task<CertificationResultDto> CertifyAsync(PlacementFacts facts) =>
        Current.SendAsync(TestUsers.Employer(facts.UnitId), new CertifyPlacement(facts));

    /// <summary>The months (1–12) whose reasons contain <paramref name="code"/>.</summary>
    public static int[] MonthsWith(CertificationResultDto r, string code) =>
        r.Months.Where(m => m.Reasons.Contains(code) || m.Flags.Contains(code)).Select(m => m.Month).ToArray();

    public static int[] Range(int from, int to) => Enumerable.Range(from, to - from + 1).ToArray();

    public static Task<T?> ScalarAsync<T>(string sql, object? args = null) => Current.InScopeAsync(TestUsers.System, sp =>
        sp.GetRequiredService<IDbSession>().ExecuteScalarAsync<T>(sql, args, CancellationToken.None));

    /// <summary>Delivers every committed event to every subscriber (relay and inboxes), as the hosts' background service does.</summary>
    public static Task DeliverAsync() => Deliveries.DrainAsync(Current.Services, CancellationToken.None);

    /// <summary>Declares a placement through Placement (steps 1–2, certified at once) as the unit's clerk.</summary>
    public static Task<PlacementSaved> DeclareAsync(UnitDto unit, string id, string name = "张三", string? certificateNumber = null,
        string contractType = "open_ended", DateOnly? contractEnd = null, decimal wage = 5000m) =>
        Current.SendAsync(TestUsers.Employer(unit.Id), new DeclarePlacement(unit.Id, Year, id, name, "disability", certificateNumber ?? id + "43",
            new DateOnly(2020, 1, 1), null, contractType, new DateOnly(2020, 1, 1), contractEnd, wage, false, null));

    /// <summary>Submits a declared placement for review (no objection).</summary>
    public static async Task<PlacementSaved> SubmitAsync(UnitDto unit, PlacementSaved saved) =>
        saved with { Version = await Current.SendAsync(TestUsers.Employer(unit.Id), new SubmitPlacement(saved.PlacementId, saved.Version)) };

    /// <summary>Disputes a declared placement: one PDF of evidence, the months and the reason.</summary>
    public static async Task<PlacementSaved> DisputeAsync(UnitDto unit, PlacementSaved saved, int[] months, string reason)
    {
        var clerk = TestUsers.Employer(unit.Id);
        await Current.SendAsync(clerk, new AddDisputeEvidence(saved.PlacementId, new MemoryStream(Pdf), "证明.pdf"));
        return saved with { Version = await Current.SendAsync(clerk, new DisputePlacement(saved.PlacementId, saved.Version, months, reason)) };
    }

    public static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
}
