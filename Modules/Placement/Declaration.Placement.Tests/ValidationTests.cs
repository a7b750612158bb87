using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Placement.Contracts;
using FluentValidation;
using Microsoft.Extensions.DependencyInjection;
using static Declaration.Placement.Tests.PlacementFixture;

namespace Declaration.Placement.Tests;

/// <summary>RULES.md §1–2 per field, with Chinese messages, through the mediator (the validator runs before the handler).</summary>
public sealed class ValidationTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static async Task<IReadOnlyDictionary<string, string[]>> RejectedAsync(DeclarePlacement command, Guid unitId)
    {
        var ex = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(TestUsers.Employer(unitId), command));
        return ex!.Errors;
    }

    private static Task<FluentValidation.Results.ValidationResult> ValidateAsync(DeclarePlacement command) =>
        App.InScopeAsync(TestUsers.System, sp => sp.GetRequiredService<IValidator<DeclarePlacement>>().ValidateAsync(command));

    [Test]
    public async Task AWrongIdNumberCheckChar_IsRejectedOnTheIdNumberField()
    {
        var (a, _) = await Seed.UnitsAsync(App, linkage: false);
        var errors = await RejectedAsync(Seed.Declare(a.Id) with { IdNumber = "330102199003072517" }, a.Id);
        Assert.That(errors["IdNumber"], Has.Some.Contains("校验码"));
    }

    [Test]
    public async Task ABirthDateInTheFuture_IsRejected()
    {
        var errors = (await ValidateAsync(Seed.Declare(Guid.NewGuid()) with { IdNumber = "330102203001012516" })).Errors;
        Assert.That(errors.Where(e => e.PropertyName == "IdNumber").Select(e => e.ErrorMessage), Has.Some.Contains("出生日期"));
    }

    [Test]
    public async Task ACertificateNumber_ThatDoesNotStartWithTheIdNumber_IsRejected()
    {
        var (a, _) = await Seed.UnitsAsync(App, linkage: false);
        var errors = await RejectedAsync(Seed.Declare(a.Id) with { CertificateNumber = Seed.WomanCertificate }, a.Id);
        Assert.Multiple(() =>
        {
            Assert.That(errors["CertificateNumber"], Has.Some.Contains("前18位应与公民身份号码一致"));
            Assert.That(errors.ContainsKey("IdNumber"), Is.False);
        });
    }

    [Test]
    public async Task AVeteranCertificateNumber_FollowsItsOwnRule()
    {
        var ok = await ValidateAsync(Seed.Declare(Guid.NewGuid()) with { CertificateType = CertificateTypes.Veteran, CertificateNumber = "JUN2016A0010" });
        var bad = await ValidateAsync(Seed.Declare(Guid.NewGuid()) with { CertificateType = CertificateTypes.Veteran, CertificateNumber = "J-1" });
        Assert.Multiple(() =>
        {
            Assert.That(ok.Errors, Is.Empty);
            Assert.That(bad.Errors.Select(e => e.PropertyName), Does.Contain("CertificateNumber"));
        });
    }

    [TestCase(ContractTypes.Fixed)]
    [TestCase(ContractTypes.ServiceAgreement)]
    public async Task AContractEnd_IsRequiredForFixedAndServiceAgreements(string type)
    {
        var (a, _) = await Seed.UnitsAsync(App, linkage: false);
        var errors = await RejectedAsync(Seed.Declare(a.Id) with { ContractType = type, ContractEnd = null }, a.Id);
        Assert.That(errors["ContractEnd"], Has.Some.Contains("须填写合同结束日期"));
    }

    [TestCase(ContractTypes.OpenEnded)]
    [TestCase(ContractTypes.Establishment)]
    public async Task AContractEnd_IsOptionalForOpenEndedAndEstablishment(string type)
    {
        var result = await ValidateAsync(Seed.Declare(Guid.NewGuid()) with { ContractType = type, ContractEnd = null });
        Assert.That(result.Errors, Is.Empty);
    }

    [Test]
    public async Task RetirementBase50_IsOnlyForWomen()
    {
        var man = await ValidateAsync(Seed.Declare(Guid.NewGuid()) with { RetirementBase50 = true });
        var woman = await ValidateAsync(Seed.Declare(Guid.NewGuid(), Seed.Woman, Seed.WomanCertificate, "李四") with { RetirementBase50 = true });
        Assert.Multiple(() =>
        {
            Assert.That(man.Errors.Where(e => e.PropertyName == "RetirementBase50").Select(e => e.ErrorMessage), Has.Some.Contains("仅适用于女性"));
            Assert.That(woman.Errors, Is.Empty);
        });
    }

    [Test]
    public async Task EveryFailingField_IsReportedAtOnce()
    {
        var bad = Seed.Declare(Guid.NewGuid()) with
        {
            Name = " ", ContractType = "temp", MonthlyWage = 0, Phone = "12345", EmploymentEnd = new DateOnly(2023, 1, 1), BusinessYear = 2030,
        };
        var fields = (await ValidateAsync(bad)).Errors.Select(e => e.PropertyName).ToList();
        Assert.That(fields, Is.SupersetOf(new[] { "Name", "ContractType", "MonthlyWage", "Phone", "EmploymentEnd", "BusinessYear" }));
    }
}
