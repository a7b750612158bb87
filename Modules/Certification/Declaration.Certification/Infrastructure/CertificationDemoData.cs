using System.Text;
using Declaration.BuildingBlocks.Data;
using Declaration.Certification.Contracts;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Certification.Infrastructure;

/// <summary>The linkage data of the shared demo (DEMO.md, business year 2025), imported through the module's own import command (idempotent).</summary>
internal sealed class CertificationDemoData : IDemoDataSeeder
{
    public int Order => 20;

    private const string A = "91330106MA2CDE0A1M", B = "91330212MA2CDE0C3Q", C = "91330106MA2CDE0B2R", D = "91330108MA2CDE0D4Y";

    /// <summary>IdNumber, name, certificate (type, number, category, level, issued, valid until), payer, unpaid months, wage overrides.</summary>
    private static readonly (string Id, string Name, string Type, string Number, int? Category, int Level, string Issued, string? ValidUntil,
        string Payer, int[] Unpaid, Func<int, decimal> Wage)[] Persons =
    [
        ("330106198506120015", "张伟", "disability", "33010619850612001542", 4, 2, "2015-03-01", null, A, [], _ => 5000m),
        ("330106199003072511", "李强", "disability", "33010619900307251123", 2, 3, "2018-06-01", null, A, [3, 4], _ => 5000m),
        ("330102197809210122", "王芳", "disability", "33010219780921012214", 1, 4, "2012-01-10", null, D, [], _ => 5000m),
        ("330108199211150249", "赵敏", "disability", "33010819921115024953", 5, 3, "2019-09-09", null, A, [], m => m <= 6 ? 2100m : 5000m),
        ("330106196503010196", "刘建国", "disability", "33010619650301019644", 4, 4, "2010-05-05", null, A, [], _ => 5000m),
        ("330212198808080330", "陈静", "disability", "33021219880808033033", 3, 3, "2016-02-02", null, B, [], _ => 5000m),
        ("33021219950120046X", "周婷", "disability", "33021219950120046X41", 4, 1, "2020-07-07", null, B, [], _ => 5000m),
        ("330106197205050581", "吴刚", "disability", "33010619720505058164", 6, 4, "2014-04-04", null, C, [], _ => 5000m),
        ("330106200104170634", "孙磊", "disability", "33010620010417063443", 4, 3, "2021-01-01", null, D, [], _ => 5000m),
        ("330105198312300724", "郑洁", "veteran", "JUN2016A0010", null, 2, "2016-01-01", "2025-06-30", C, [], _ => 5000m),
    ];

    public static string CertificatesCsv()
    {
        var sb = new StringBuilder("id_number,name,certificate_type,certificate_number,category,level,issued_on,valid_until,revoked_on\n");
        foreach (var p in Persons)
            sb.Append($"{p.Id},{p.Name},{p.Type},{p.Number},{p.Category},{p.Level},{p.Issued},{p.ValidUntil},\n");
        return sb.ToString();
    }

    public static string SocialInsuranceCsv()
    {
        var sb = new StringBuilder("id_number,payer_credit_code,month,insurance_type,paid\n");
        foreach (var p in Persons)
            for (var m = 1; m <= 12; m++)
            {
                if (p.Unpaid.Contains(m)) continue;
                sb.Append($"{p.Id},{p.Payer},2025-{m:00},pension,1\n");
                sb.Append($"{p.Id},{p.Payer},2025-{m:00},medical,1\n");
            }
        return sb.ToString();
    }

    public static string WagesCsv()
    {
        var sb = new StringBuilder("id_number,payer_credit_code,month,gross_wage\n");
        foreach (var p in Persons)
            for (var m = 1; m <= 12; m++)
                if (!p.Unpaid.Contains(m)) sb.Append($"{p.Id},{p.Payer},2025-{m:00},{p.Wage(m):0.00}\n");
        return sb.ToString();
    }

    public const string MinimumWagesCsv = """
        region_code,effective_from,monthly_minimum
        330000,2024-01-01,2280
        330100,2025-01-01,2490
        330200,2025-01-01,2490
        330106,2025-07-01,2590

        """;

    public async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var sender = services.GetRequiredService<ISender>();
        foreach (var (kind, csv) in new[] { ("minimum-wages", MinimumWagesCsv), ("certificates", CertificatesCsv()), ("social-insurance", SocialInsuranceCsv()), ("wages", WagesCsv()) })
            await sender.Send(new ImportLinkageData(kind, new MemoryStream(Encoding.UTF8.GetBytes(csv))), ct);
    }
}
