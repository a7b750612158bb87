using System.Text;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Units.Infrastructure;

/// <summary>Demo units, related units and accounts of every role (idempotent: imports upsert, accounts are reset).</summary>
internal sealed class UnitsDemoData : IDemoDataSeeder
{
    public const string DemoPassword = "Demo@2026";
    public int Order => 10;

    public static readonly (string User, string Name, Role Role, string? CreditCode, string? Jurisdiction)[] Accounts =
    [
        ("demo", "明远科技经办人", Role.Employer, "91330106MA2CDE0A1M", null),
        ("demo2", "海晨制造经办人", Role.Employer, "91330212MA2CDE0C3Q", null),
        ("demo3", "西湖公共服务中心经办人", Role.Employer, "91330106MA2CDE0B2R", null),
        ("reviewer", "杭州市残联审核员", Role.Reviewer, null, "3301"),
        ("reviewer-nb", "宁波市残联审核员", Role.Reviewer, null, "3302"),
        ("admin", "系统管理员", Role.Admin, null, null),
    ];

    public async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var sender = services.GetRequiredService<ISender>();
        const string units = """
            credit_code,name,unit_type,region_code,federation_code,tax_authority_code,legal_representative,legal_phone,contact_name,contact_mobile,address
            91330106MA2CDE0A1M,杭州西湖明远科技有限公司,enterprise,330106,330106,13301060000,王明远,0571-87001234,李晓红,13800571234,杭州市西湖区文三路100号
            91330212MA2CDE0C3Q,宁波鄞州海晨制造有限公司,enterprise,330212,330212,13302120000,陈海晨,0574-88001234,周敏,13900574321,宁波市鄞州区天童南路8号
            91330106MA2CDE0B2R,杭州市西湖区公共服务中心,institution,330106,330106,13301060000,赵公正,0571-87005678,孙丽,13700571111,杭州市西湖区保俶路2号
            91330108MA2CDE0D4Y,杭州滨江人力资源服务有限公司,enterprise,330108,330108,13301080000,钱人力,0571-86001234,吴派遣,13600572222,杭州市滨江区江南大道1号
            91330106MA2CDE0E56,杭州西湖薪酬代理有限公司,enterprise,330106,330106,13301060000,郑代发,0571-87009999,冯代缴,13500573333,杭州市西湖区天目山路9号
            """;
        await sender.Send(new ImportUnits(new MemoryStream(Encoding.UTF8.GetBytes(units))), ct);
        const string related = """
            credit_code,related_credit_code,related_name,relation_type,valid_from,valid_to
            91330106MA2CDE0A1M,91330108MA2CDE0D4Y,杭州滨江人力资源服务有限公司,labor_dispatch,2024-01-01,
            91330106MA2CDE0A1M,91330106MA2CDE0E56,杭州西湖薪酬代理有限公司,payroll_agent,2025-07-01,2025-12-31
            """;
        await sender.Send(new ImportRelatedUnits(new MemoryStream(Encoding.UTF8.GetBytes(related))), ct);
        foreach (var (user, name, role, code, jurisdiction) in Accounts)
            await sender.Send(new CreateAccount(user, name, DemoPassword, role, code, jurisdiction, UpdateIfExists: true), ct);
    }
}
