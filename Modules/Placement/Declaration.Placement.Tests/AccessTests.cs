using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Placement.Contracts;
using static Declaration.Placement.Tests.PlacementFixture;

namespace Declaration.Placement.Tests;

/// <summary>Another unit's placement does not exist for an employer (404); a reviewer outside the jurisdiction is refused (403); PII protected.</summary>
public sealed class AccessTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    [Test]
    public async Task AnEmployer_CannotSeeOrChangeAnotherUnitsPlacement()
    {
        var (a, b) = await Seed.UnitsAsync(App);
        var saved = await App.SendAsync(TestUsers.Employer(a.Id), Seed.Declare(a.Id));
        var other = TestUsers.Employer(b.Id);
        Assert.Multiple(async () =>
        {
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(other, new GetPlacementDetail(saved.PlacementId)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(other, new GetPlacements(a.Id, Seed.Year)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(other, Seed.Edit(saved, Seed.Declare(a.Id))));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(other, new SubmitPlacement(saved.PlacementId, saved.Version)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(other, new DeletePlacement(saved.PlacementId, saved.Version)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(other, Seed.Declare(a.Id)));
        });
        Assert.That(await Seed.StateAsync(App, saved.PlacementId), Is.EqualTo("Draft"));
    }

    [Test]
    public async Task AReviewerOutsideTheJurisdiction_IsForbidden_AndOneInside_SeesTheFullValues_Audited()
    {
        var (a, _) = await Seed.UnitsAsync(App);
        var saved = await App.SendAsync(TestUsers.Employer(a.Id), Seed.Declare(a.Id));
        await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(Seed.ReviewerNingbo, new GetPlacementDetail(saved.PlacementId)));
        await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(Seed.ReviewerNingbo, new GetPlacements(a.Id, Seed.Year)));
        var before = await AuditCountAsync(saved.PlacementId);
        var detail = await App.SendAsync(Seed.ReviewerHangzhou, new GetPlacementDetail(saved.PlacementId));
        Assert.Multiple(async () =>
        {
            Assert.That(detail.IdNumberShown, Is.EqualTo(Seed.Man));
            Assert.That(detail.NameShown, Is.EqualTo("张三"));
            Assert.That(await AuditCountAsync(saved.PlacementId), Is.EqualTo(before + 1));
        });
    }

    [Test]
    public async Task AReviewer_CannotChangeAUnitsPlacement()
    {
        var (a, _) = await Seed.UnitsAsync(App);
        var saved = await App.SendAsync(TestUsers.Employer(a.Id), Seed.Declare(a.Id));
        await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(Seed.ReviewerHangzhou, new DeletePlacement(saved.PlacementId, saved.Version)));
        Assert.That(await Seed.StateAsync(App, saved.PlacementId), Is.EqualTo("Draft"));
    }

    [Test]
    public async Task TheSystem_SeesOnlyMaskedValues()
    {
        var (a, _) = await Seed.UnitsAsync(App);
        var saved = await App.SendAsync(TestUsers.Employer(a.Id), Seed.Declare(a.Id));
        var detail = await App.SendAsync(TestUsers.System, new GetPlacementDetail(saved.PlacementId));
        Assert.Multiple(() =>
        {
            Assert.That(detail.IdNumberShown, Is.EqualTo("330102********2516"));
            Assert.That(detail.NameShown, Is.EqualTo("张*"));
            Assert.That(detail.CertificateNumberShown, Does.Not.Contain("19900307"));
        });
    }

    [Test]
    public async Task IdNumbers_NamesAndCertificateNumbers_AreNotStoredInPlaintext()
    {
        var (a, _) = await Seed.UnitsAsync(App);
        await App.SendAsync(TestUsers.Employer(a.Id), Seed.Declare(a.Id));
        var rows = await Seed.DbAsync(App, db => db.QueryAsync<string>(
            "SELECT row_to_json(p)::text FROM placement.placement p", null, CancellationToken.None));
        var audit = await Seed.DbAsync(App, db => db.QueryAsync<string>(
            "SELECT coalesce(before::text, '') || coalesce(after::text, '') FROM platform.audit_log WHERE module = 'Placement'", null, CancellationToken.None));
        var encoded = await Seed.DbAsync(App, db => db.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM placement.placement WHERE position(convert_to(@id, 'UTF8') in id_number_enc) > 0 OR position(convert_to(@id, 'UTF8') in certificate_number_enc) > 0",
            new { id = "19900307" }, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(rows, Has.Count.EqualTo(1));
            Assert.That(rows[0], Does.Not.Contain("19900307"));
            Assert.That(rows[0], Does.Not.Contain("张三"));
            Assert.That(rows[0], Does.Contain("330102********2516"));
            Assert.That(audit, Is.Not.Empty);
            Assert.That(string.Concat(audit), Does.Not.Contain("19900307"));
            Assert.That(encoded, Is.Zero);
        });
    }

    private static Task<long> AuditCountAsync(Guid id) => Seed.DbAsync(App, db => db.ExecuteScalarAsync<long>(
        "SELECT count(*) FROM platform.audit_log WHERE entity_id = @id AND action = '查看完整身份信息'", new { id = id.ToString() }, CancellationToken.None));
}
