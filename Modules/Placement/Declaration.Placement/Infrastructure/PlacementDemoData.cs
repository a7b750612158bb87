using System.Text;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Security;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Placement.Infrastructure;

/// <summary>
/// The placements of DEMO.md for business year 2025, each driven to its state through the commands: declared (and certified)
/// by its unit, submitted or disputed, then decided, confirmed or returned by the reviewer of the unit's jurisdiction.
/// Idempotent: a person already declared in the unit-year is left as it is.
/// </summary>
internal sealed class PlacementDemoData : IDemoDataSeeder
{
    public int Order => 30;
    private const int Year = 2025;

    private enum Target { Draft, AwaitingReview, Disputed, Confirmed, Returned }

    private sealed record Person(string CreditCode, string IdNumber, string Name, string CertificateType, string CertificateNumber, string ContractType,
        DateOnly ContractStart, DateOnly? ContractEnd, decimal Wage, Target Target, string Jurisdiction);

    private const string A = "91330106MA2CDE0A1M", B = "91330212MA2CDE0C3Q", C = "91330106MA2CDE0B2R";

    private static readonly Person[] People =
    [
        new(A, "330106198506120015", "张伟", "disability", "33010619850612001542", "open_ended", new(2015, 3, 1), null, 5000, Target.Confirmed, "3301"),
        new(A, "330106199003072511", "李强", "disability", "33010619900307251123", "fixed", new(2024, 1, 1), new(2026, 12, 31), 5000, Target.Disputed, "3301"),
        new(A, "330102197809210122", "王芳", "disability", "33010219780921012214", "open_ended", new(2012, 1, 10), null, 5000, Target.AwaitingReview, "3301"),
        new(A, "330108199211150249", "赵敏", "disability", "33010819921115024953", "fixed", new(2024, 7, 1), new(2027, 6, 30), 2100, Target.Returned, "3301"),
        new(A, "330106196503010196", "刘建国", "disability", "33010619650301019644", "open_ended", new(2010, 5, 5), null, 5000, Target.Draft, "3301"),
        new(B, "330212198808080330", "陈静", "disability", "33021219880808033033", "open_ended", new(2016, 2, 2), null, 5000, Target.Confirmed, "3302"),
        new(B, "33021219950120046X", "周婷", "disability", "33021219950120046X41", "fixed", new(2025, 1, 1), new(2027, 12, 31), 5000, Target.AwaitingReview, "3302"),
        new(C, "330106197205050581", "吴刚", "disability", "33010619720505058164", "establishment", new(2014, 4, 4), null, 5000, Target.Confirmed, "3301"),
        new(A, "330106200104170634", "孙磊", "disability", "33010620010417063443", "service_agreement", new(2025, 1, 1), new(2025, 12, 31), 5000, Target.Draft, "3301"),
        new(C, "330105198312300724", "郑洁", "veteran", "JUN2016A0010", "establishment", new(2016, 1, 1), null, 5000, Target.Confirmed, "3301"),
    ];

    private static readonly byte[] EvidencePdf = Encoding.ASCII.GetBytes(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");

    public async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var declared = new List<(Person Person, Guid Id)>();
        foreach (var person in People)
        {
            var unit = await AsAsync(services, new SystemUser(), s => s.Send(new GetUnitByCreditCode(person.CreditCode), ct).AsTask());
            if (unit is null) continue;
            var exists = await AsAsync(services, new SystemUser(), sp => sp.GetRequiredService<IDbSession>().ExecuteScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM placement.placement WHERE unit_id = @unitId AND business_year = @Year AND id_number_index = @index)",
                new { unitId = unit.Id, Year, index = sp.GetRequiredService<IPersonalDataProtector>().BlindIndex(person.IdNumber) }, ct), raw: true);
            if (exists) continue;
            // The unit's steps run as the system: demo data must seed whatever today's date (the unit's window may be closed).
            var clerk = new SystemUser();
            var saved = await AsAsync(services, clerk, s => s.Send(new DeclarePlacement(unit.Id, Year, person.IdNumber, person.Name, person.CertificateType,
                person.CertificateNumber, person.ContractStart, null, person.ContractType, person.ContractStart, person.ContractEnd, person.Wage, false, null), ct).AsTask());
            switch (person.Target)
            {
                case Target.Draft:
                    continue;
                case Target.Disputed:
                    await AsAsync(services, clerk, s => s.Send(new AddDisputeEvidence(saved.PlacementId, new MemoryStream(EvidencePdf), "社保缴费证明.pdf"), ct).AsTask());
                    await AsAsync(services, clerk, s => s.Send(new DisputePlacement(saved.PlacementId, saved.Version, [3, 4],
                        "3月、4月养老保险因系统切换延迟缴纳，已于5月补缴，附补缴凭证。"), ct).AsTask());
                    break;
                default:
                    await AsAsync(services, clerk, s => s.Send(new SubmitPlacement(saved.PlacementId, saved.Version), ct).AsTask());
                    break;
            }
            declared.Add((person, saved.PlacementId));
        }

        foreach (var (person, id) in declared.Where(d => d.Person.Target is Target.Confirmed or Target.Returned))
        {
            var reviewer = new ExplicitUser($"demo-{person.Jurisdiction}", "演示审核员", Role.Reviewer, null, person.Jurisdiction);
            if (person.Target == Target.Confirmed)
                await AsAsync(services, reviewer, s => s.Send(new ConfirmPlacement(id), ct).AsTask());
            else
                await AsAsync(services, reviewer, s => s.Send(new ReturnPlacement(id, "1–6月工资低于当地最低工资标准，请核实工资发放情况后重新提交。"), ct).AsTask());
        }
    }

    private static async Task<T> AsAsync<T>(IServiceProvider services, ICurrentUser user, Func<ISender, Task<T>> work)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = user;
        return await work(scope.ServiceProvider.GetRequiredService<ISender>());
    }

    private static async Task<T> AsAsync<T>(IServiceProvider services, ICurrentUser user, Func<IServiceProvider, Task<T>> work, bool raw)
    {
        _ = raw;
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = user;
        return await work(scope.ServiceProvider);
    }
}
