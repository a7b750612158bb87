using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Placement.Contracts;
using static Declaration.Placement.Tests.PlacementFixture;

namespace Declaration.Placement.Tests;

/// <summary>The <c>placements</c> import (CLI) and the employer's 批量申报: whole or nothing, line-numbered, idempotent.</summary>
public sealed class ImportTests
{
    private const string Header = "credit_code,business_year,id_number,name,certificate_type,certificate_number,employment_start,employment_end,contract_type,contract_start,contract_end,monthly_wage,retirement_base,phone";

    private static string Row(string code = Seed.UnitA, string id = Seed.Man, string cert = Seed.ManCertificate, string name = "张三",
        string contract = "fixed", string contractEnd = "2026-12-31", string retirement = "") =>
        $"{code},2025,{id},{name},disability,{cert},2024-01-01,,{contract},2024-01-01,{contractEnd},5000,{retirement},";

    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static Task<long> CountAsync() => Seed.DbAsync(App, db => db.ExecuteScalarAsync<long>("SELECT count(*) FROM placement.placement", null, CancellationToken.None));

    [Test]
    public async Task ABadFile_IsRejectedWhole_WithLineNumbers_AndNothingIsWritten()
    {
        await Seed.UnitsAsync(App);
        var file = Seed.Csv(Header,
            Row(),
            Row(id: "330106199203150028", cert: "33010619920315002843", name: "李四"),
            Row(id: Seed.Woman, cert: Seed.WomanCertificate, name: "李四", contractEnd: ""),
            Row(code: "91330106MA2CDE0X9X", id: Seed.Woman, cert: Seed.WomanCertificate, name: "李四"),
            Row(name: "张三"));
        var ex = await Assert.ThrowsAsync<ImportRejectedException>(() => App.SendAsync(TestUsers.Admin, new ImportPlacements(file)));
        var lines = ex!.Errors.Select(e => (e.Line, e.Column)).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(lines, Does.Contain((3L, "id_number")));
            Assert.That(lines, Does.Contain((4L, "contract_end")));
            Assert.That(ex.Errors.Where(e => e.Line == 5).Select(e => e.Column), Has.Some.EqualTo("credit_code"));
            Assert.That(ex.Errors.Single(e => e.Line == 6).Reason, Does.Contain("与第2行重复"));
            Assert.That(ex.Errors.Any(e => e.Line == 2), Is.False);
            Assert.That(await CountAsync(), Is.Zero);
        });
    }

    [Test]
    public async Task AnUnknownColumn_RejectsTheFile()
    {
        await Seed.UnitsAsync(App, linkage: false);
        var ex = await Assert.ThrowsAsync<ImportRejectedException>(() => App.SendAsync(TestUsers.Admin, new ImportPlacements(Seed.Csv(Header + ",extra", Row() + ",x"))));
        Assert.That(ex!.Errors.Single().Column, Is.EqualTo("extra"));
    }

    [Test]
    public async Task ImportingTheSameFileTwice_ChangesNothingTheSecondTime()
    {
        await Seed.UnitsAsync(App);
        string[] lines = [Header, Row(), Row(id: Seed.Woman, cert: Seed.WomanCertificate, name: "李四", retirement: "50")];
        var first = await App.SendAsync(TestUsers.Admin, new ImportPlacements(Seed.Csv(lines)));
        var states = await Seed.DbAsync(App, db => db.QueryAsync<(string State, int Version, bool Base50)>(
            "SELECT state, version, retirement_base_50 FROM placement.placement ORDER BY id_number_masked", null, CancellationToken.None));
        var second = await App.SendAsync(TestUsers.Admin, new ImportPlacements(Seed.Csv(lines)));
        var statesAfter = await Seed.DbAsync(App, db => db.QueryAsync<(string State, int Version, bool Base50)>(
            "SELECT state, version, retirement_base_50 FROM placement.placement ORDER BY id_number_masked", null, CancellationToken.None));
        Assert.Multiple(async () =>
        {
            Assert.That((first.Inserted, first.Updated), Is.EqualTo((2L, 0L)));
            Assert.That((second.Inserted, second.Updated), Is.EqualTo((0L, 0L)));
            Assert.That(states.Select(s => s.State), Is.All.EqualTo("AwaitingReview"));
            Assert.That(states.Count(s => s.Base50), Is.EqualTo(1));
            Assert.That(statesAfter, Is.EqualTo(states));
            Assert.That(await CountAsync(), Is.EqualTo(2));
        });

        var changed = await App.SendAsync(TestUsers.Admin, new ImportPlacements(Seed.Csv(Header, Row().Replace(",5000,", ",5100,", StringComparison.Ordinal))));
        Assert.That((changed.Inserted, changed.Updated), Is.EqualTo((0L, 1L)));
    }

    [Test]
    public async Task ImportPlacements_IsForAdministrators()
    {
        var (a, _) = await Seed.UnitsAsync(App, linkage: false);
        await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Employer(a.Id), new ImportPlacements(Seed.Csv(Header, Row()))));
        await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(Seed.ReviewerHangzhou, new ImportPlacements(Seed.Csv(Header, Row()))));
        Assert.That(await CountAsync(), Is.Zero);
    }

    [Test]
    public async Task AnEmployersBulkDeclaration_IsPreviewedFirst_AndMayHoldOnlyItsOwnRows()
    {
        var (a, _) = await Seed.UnitsAsync(App);
        var user = TestUsers.Employer(a.Id);
        var foreign = await App.SendAsync(user, new PreviewBulkDeclaration(a.Id, Seed.Csv(Header, Row(), Row(code: Seed.UnitB, id: Seed.Woman, cert: Seed.WomanCertificate)), "a.csv"));
        var good = await App.SendAsync(user, new PreviewBulkDeclaration(a.Id, Seed.Csv(Header, Row()), "a.csv"));
        Assert.Multiple(async () =>
        {
            Assert.That(foreign.Valid, Is.False);
            Assert.That(foreign.Errors.Single().Line, Is.EqualTo(3));
            Assert.That(foreign.Errors.Single().Reason, Does.Contain("只能申报本单位"));
            Assert.That(good.Valid, Is.True);
            Assert.That(good.Rows.Single().MaskedIdNumber, Is.EqualTo("330102********2516"));
            Assert.That(await CountAsync(), Is.Zero);
        });
        await Assert.ThrowsAsync<ImportRejectedException>(() => App.SendAsync(user, new ConfirmBulkDeclaration(a.Id, Seed.Csv(Header, Row(), Row(code: Seed.UnitB, id: Seed.Woman, cert: Seed.WomanCertificate)), "a.csv")));
        var result = await App.SendAsync(user, new ConfirmBulkDeclaration(a.Id, Seed.Csv(Header, Row()), "a.csv"));
        var list = await App.SendAsync(user, new GetPlacements(a.Id, Seed.Year));
        Assert.Multiple(() =>
        {
            Assert.That(result.Inserted, Is.EqualTo(1));
            Assert.That(list.Single().State, Is.EqualTo(PlacementState.AwaitingReview));
        });
    }
    /// <summary>The 安置管理 list pages through a unit's placements in the order of the full list; another unit's clerk gets 404.</summary>
    [Test]
    public async Task ThePlacementList_PagesInTheOrderOfTheFullList()
    {
        var (a, b) = await Seed.UnitsAsync(App);
        var rows = Enumerable.Range(0, 7).Select(i => Declaration.TestSupport.LinkageData.IdNumber("19900101", 11 + 20 * i))
            .Select((id, i) => Row(id: id, cert: id + "42", name: $"员工{i}")).ToArray();
        await App.SendAsync(TestUsers.Admin, new ImportPlacements(Seed.Csv(Header, string.Join("\n", rows))));
        var clerk = TestUsers.Employer(a.Id);
        var all = await App.SendAsync(clerk, new GetPlacements(a.Id, Seed.Year));
        var pages = new List<Declaration.BuildingBlocks.Application.PagedResult<PlacementSummaryDto>>();
        for (var p = 1; p <= 4; p++) pages.Add(await App.SendAsync(clerk, new GetPlacementPage(a.Id, Seed.Year, p, 3)));
        Assert.Multiple(async () =>
        {
            Assert.That(all, Has.Count.EqualTo(7));
            Assert.That(pages.Select(p => p.Items.Count), Is.EqualTo(new[] { 3, 3, 1, 0 }));
            Assert.That(pages.SelectMany(p => p.Items).Select(i => i.Id), Is.EqualTo(all.Select(i => i.Id)));
            Assert.That(pages.Select(p => (p.Total, p.PageCount)).Distinct(), Is.EqualTo(new[] { (7L, 3) }));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(b.Id), new GetPlacementPage(a.Id, Seed.Year)));
        });
    }
}
