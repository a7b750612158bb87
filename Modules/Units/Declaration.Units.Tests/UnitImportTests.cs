using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Testing;
using Declaration.Units.Contracts;
using static Declaration.Units.Tests.UnitsFixture;

namespace Declaration.Units.Tests;

public sealed class UnitImportTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static Task<long> CountUnitsAsync() => App.InScopeAsync(TestUsers.System, async sp =>
        await ((Declaration.BuildingBlocks.Data.IDbSession)sp.GetService(typeof(Declaration.BuildingBlocks.Data.IDbSession))!).ExecuteScalarAsync<long>("SELECT count(*) FROM units.unit", null, CancellationToken.None));

    [Test]
    public async Task Import_TheSameFileTwice_ChangesNothingTheSecondTime()
    {
        string[] file = [Seed.Header, Seed.Row(Seed.UnitA, "甲公司", "330106"), Seed.Row(Seed.UnitB, "乙公司", "330212")];
        var first = await App.SendAsync(TestUsers.System, new ImportUnits(Seed.Csv(file)));
        var second = await App.SendAsync(TestUsers.System, new ImportUnits(Seed.Csv(file)));
        Assert.Multiple(async () =>
        {
            Assert.That((first.Rows, first.Inserted, first.Updated), Is.EqualTo((2L, 2L, 0L)));
            Assert.That((second.Rows, second.Inserted, second.Updated), Is.EqualTo((2L, 0L, 0L)));
            Assert.That(second.Sha256, Is.EqualTo(first.Sha256));
            Assert.That(await CountUnitsAsync(), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Import_AChangedRow_UpdatesOnTheNaturalKey()
    {
        await App.SendAsync(TestUsers.System, new ImportUnits(Seed.Csv(Seed.Header, Seed.Row(Seed.UnitA, "甲公司", "330106"))));
        var result = await App.SendAsync(TestUsers.System, new ImportUnits(Seed.Csv(Seed.Header, Seed.Row(Seed.UnitA, "甲公司（更名）", "330106"))));
        var unit = await App.SendAsync(TestUsers.System, new GetUnitByCreditCode(Seed.UnitA));
        Assert.Multiple(async () =>
        {
            Assert.That(result.Updated, Is.EqualTo(1));
            Assert.That(unit!.Name, Is.EqualTo("甲公司（更名）"));
            Assert.That(unit.Version, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Import_ABadFile_IsRejectedWhole_WithLineNumbers_AndWritesNothing()
    {
        var ex = await Assert.ThrowsAsync<ImportRejectedException>(() => App.SendAsync(TestUsers.System, new ImportUnits(Seed.Csv(
            Seed.Header,
            Seed.Row(Seed.UnitA, "甲公司", "330106"),
            Seed.Row("91330106MA2CDE0AIM", "错码公司", "330106"),       // line 3: I is not in the credit-code charset
            Seed.Row(Seed.UnitB, "乙公司", "33021"),                    // line 4: region code
            Seed.Row(Seed.UnitA, "甲公司重复", "330106")))));           // line 5: duplicate key
        var lines = ex!.Errors.Select(e => (e.Line, e.Column)).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(lines, Does.Contain((3L, "credit_code")));
            Assert.That(lines, Does.Contain((4L, "region_code")).Or.Contain((4L, "federation_code")));
            Assert.That(await CountUnitsAsync(), Is.Zero);
        });
        // The duplicate is found once the cell errors are fixed.
        var dup = await Assert.ThrowsAsync<ImportRejectedException>(() => App.SendAsync(TestUsers.System, new ImportUnits(Seed.Csv(
            Seed.Header, Seed.Row(Seed.UnitA, "甲公司", "330106"), Seed.Row(Seed.UnitB, "乙公司", "330212"), Seed.Row(Seed.UnitA, "甲公司重复", "330106")))));
        Assert.That(dup!.Errors.Single().ToString(), Does.Contain("第4行").And.Contain("第2行重复"));
        Assert.That(await CountUnitsAsync(), Is.Zero);
    }

    [Test]
    public async Task Import_AMissingColumn_IsRejectedAtTheHeader()
    {
        var ex = await Assert.ThrowsAsync<ImportRejectedException>(() => App.SendAsync(TestUsers.System, new ImportUnits(Seed.Csv(
            "credit_code,name,unit_type,region_code,federation_code,tax_authority_code,legal_representative,legal_phone,contact_name",
            $"{Seed.UnitA},甲,enterprise,330106,330106,T,法人,0571-87001234,经办人"))));
        Assert.That(ex!.Errors.Single(), Has.Property("Column").EqualTo("contact_mobile").And.Property("Line").EqualTo(1L));
    }

    [Test]
    public async Task Import_ACreditCodeChecksumMismatch_IsAcceptedWithAWarning()
    {
        var result = await App.SendAsync(TestUsers.System, new ImportUnits(Seed.Csv(Seed.Header, Seed.Row("91350100M000100Y44", "早期代码公司", "330106"))));
        Assert.Multiple(async () =>
        {
            Assert.That(result.Inserted, Is.EqualTo(1));
            Assert.That(result.Warnings.Single().Line, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task ImportRelatedUnits_UpsertsOnTheNaturalKey_AndRejectsUnknownUnits()
    {
        await Seed.TwoUnitsAsync(App);
        const string header = "credit_code,related_credit_code,related_name,relation_type,valid_from,valid_to";
        var row = $"{Seed.UnitA},{Seed.Dispatch},派遣公司,labor_dispatch,2025-01-01,";
        var first = await App.SendAsync(TestUsers.System, new ImportRelatedUnits(Seed.Csv(header, row)));
        var again = await App.SendAsync(TestUsers.System, new ImportRelatedUnits(Seed.Csv(header, row)));
        var changed = await App.SendAsync(TestUsers.System, new ImportRelatedUnits(Seed.Csv(header, row + "2025-12-31")));
        var unknown = await Assert.ThrowsAsync<ImportRejectedException>(() => App.SendAsync(TestUsers.System,
            new ImportRelatedUnits(Seed.Csv(header, $"91330106MA2CDE0K1Y,{Seed.Dispatch},派遣公司,labor_dispatch,2025-01-01,"))));
        Assert.Multiple(async () =>
        {
            Assert.That(first.Inserted, Is.EqualTo(1));
            Assert.That(again.Inserted + again.Updated, Is.Zero);
            Assert.That(changed.Updated, Is.EqualTo(1));
            Assert.That(unknown!.Errors.Single().Line, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Import_ByAReviewer_IsForbidden() =>
        await Assert.ThrowsAsync<Declaration.BuildingBlocks.Errors.ForbiddenException>(() =>
            App.SendAsync(TestUsers.Reviewer("3301"), new ImportUnits(Seed.Csv(Seed.Header))));
}
