using Declaration.AnnualReview.Contracts;
using Declaration.AnnualReview.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using static Declaration.AnnualReview.Tests.AnnualFixture;

namespace Declaration.AnnualReview.Tests;

/// <summary>RULES.md §6: every transition of the unit-year, driven by Placement's and Certification's events.</summary>
public sealed class StateMachineTests
{
    [SetUp]
    public async Task ResetAsync()
    {
        await App.ResetAsync();
        Seed.Stated.Clear();
    }

    [Test]
    public async Task AUnitWithoutPlacements_IsNotStarted_AndMayCertifyZero()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        Seed.StateCount(a);
        var before = await Seed.StateAsync(a);
        var letter = await App.SendAsync(TestUsers.Employer(a.Id), new GetCommitmentLetter(a.Id, Seed.Year));
        var issued = await App.SendAsync(TestUsers.Employer(a.Id), new CertifyAnnualReview(a.Id, Seed.Year));
        var status = await App.SendAsync(TestUsers.Employer(a.Id), new GetAnnualReviewStatus(a.Id, Seed.Year));
        Assert.Multiple(() =>
        {
            Assert.That(before, Is.EqualTo(AnnualReviewState.NotStarted));
            Assert.That(letter.CanCertify, Is.True, letter.BlockedReason);
            Assert.That(issued.CertifiedCount, Is.EqualTo(0m));
            Assert.That(status.State, Is.EqualTo(AnnualReviewState.Certified));
            Assert.That(status.CertificateNumber, Is.EqualTo(issued.CertificateNumber));
            Assert.That(status.CertifiedCount, Is.EqualTo(0m));
        });
    }

    [Test]
    public async Task PlacementEvents_MoveTheYear_ThroughInProgressAndReadyToCertify()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        var (p1, p2) = (Guid.NewGuid(), Guid.NewGuid());
        var states = new List<AnnualReviewState>();

        await Seed.DeliverAsync(new PlacementDeclared(p1, a.Id, Seed.Year, 1));                   // p1 Draft
        states.Add(await Seed.StateAsync(a));
        await Seed.DeliverAsync(new PlacementSubmitted(p1, a.Id, Seed.Year, "张*", 2));         // p1 AwaitingReview
        states.Add(await Seed.StateAsync(a));
        await Seed.DeliverAsync(Seed.Confirmed(p1, a, 24));                                     // p1 Confirmed: all confirmed
        states.Add(await Seed.StateAsync(a));
        await Seed.DeliverAsync(new PlacementDisputed(p2, a.Id, Seed.Year, [3, 4], "有社保缴费记录", "李*", 2)); // p2 Disputed
        states.Add(await Seed.StateAsync(a));
        await Seed.DeliverAsync(new PlacementReturned(p2, a.Id, Seed.Year, "材料不全", "李*", 3));   // p2 Returned
        states.Add(await Seed.StateAsync(a));
        await Seed.DeliverAsync(new PlacementWithdrawn(p2, a.Id, Seed.Year, 4));                // p2 deleted: p1 alone, confirmed
        states.Add(await Seed.StateAsync(a));
        await Seed.DeliverAsync(new PlacementReopened(p1, a.Id, Seed.Year, 4));                 // p1 edited (重新登记): Draft again
        states.Add(await Seed.StateAsync(a));
        await Seed.DeliverAsync(new PlacementWithdrawn(p1, a.Id, Seed.Year, 5));                // nothing left
        states.Add(await Seed.StateAsync(a));

        Assert.That(states, Is.EqualTo(new[]
        {
            AnnualReviewState.InProgress, AnnualReviewState.InProgress, AnnualReviewState.ReadyToCertify, AnnualReviewState.InProgress,
            AnnualReviewState.InProgress, AnnualReviewState.ReadyToCertify, AnnualReviewState.InProgress, AnnualReviewState.NotStarted,
        }));
    }

    [Test]
    public async Task Certify_WithAnUnconfirmedPlacement_IsRefused_ByName()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        var (p1, p2) = (Guid.NewGuid(), Guid.NewGuid());
        await Seed.DeliverAsync(new PlacementSubmitted(p1, a.Id, Seed.Year, "张*", 2), new PlacementSubmitted(p2, a.Id, Seed.Year, "李*", 2));
        await Seed.DeliverAsync(Seed.Confirmed(p1, a, 24));
        Seed.StateCount(a, (p1, "330106********0015", "张*", 4, 2, 12, 24));
        var letter = await App.SendAsync(TestUsers.Employer(a.Id), new GetCommitmentLetter(a.Id, Seed.Year));
        var ex = await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(TestUsers.Employer(a.Id), new CertifyAnnualReview(a.Id, Seed.Year)));
        Assert.Multiple(async () =>
        {
            Assert.That(ex!.Rule, Is.EqualTo(nameof(CertifyOnlyWhenAllPlacementsConfirmed)));
            Assert.That(ex.StatusCode, Is.EqualTo(422));
            Assert.That(letter.CanCertify, Is.False);
            Assert.That(letter.BlockedReason, Does.Contain("未经残联确认"));
            Assert.That(await Seed.StateAsync(a), Is.EqualTo(AnnualReviewState.InProgress));
            Assert.That(await Seed.ScalarAsync<long>("SELECT count(*) FROM annual_review.certificate"), Is.EqualTo(0));
        });
    }

    [Test]
    public async Task Certify_IsRefused_WhenPlacementStillHasAnUnconfirmedPlacementWeNeverHeardOf()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        await Seed.TwoConfirmedAsync(a);
        Seed.Stated.Unconfirmed[(a.Id, Seed.Year)] = 1;   // e.g. a Draft Placement holds that has not been certified yet
        var ex = await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(TestUsers.Employer(a.Id), new CertifyAnnualReview(a.Id, Seed.Year)));
        Assert.That(ex!.Rule, Is.EqualTo(nameof(CertifyOnlyWhenAllPlacementsConfirmed)));
    }

    [Test]
    public async Task Certify_Twice_IsRefused_ByName_AndIssuesOneCertificate()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        await Seed.TwoConfirmedAsync(a);
        var before = await Seed.StateAsync(a);
        var first = await App.SendAsync(TestUsers.Employer(a.Id), new CertifyAnnualReview(a.Id, Seed.Year));
        var ex = await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(TestUsers.Employer(a.Id), new CertifyAnnualReview(a.Id, Seed.Year)));
        Assert.Multiple(async () =>
        {
            Assert.That(before, Is.EqualTo(AnnualReviewState.ReadyToCertify));
            Assert.That(first.PersonMonths, Is.EqualTo(34));
            Assert.That(first.CertifiedCount, Is.EqualTo(2.83m));
            Assert.That(ex!.Rule, Is.EqualTo(nameof(CertifyOnlyOnce)));
            Assert.That(await Seed.ScalarAsync<long>("SELECT count(*) FROM annual_review.certificate"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Certify_RecordsWhoWhenAndFromWhere_AndPublishesCompletion()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        await Seed.TwoConfirmedAsync(a);
        var issued = await App.SendAsync(TestUsers.Employer(a.Id), new CertifyAnnualReview(a.Id, Seed.Year));
        var certificates = await App.SendAsync(TestUsers.Employer(a.Id), new GetAnnualCertificates(a.Id, Seed.Year));
        var payload = await Seed.ScalarAsync<string>(
            "SELECT payload::text FROM annual_review.outbox WHERE type = @type", new { type = typeof(AnnualCertificationCompleted).FullName });
        var acceptedBy = await Seed.ScalarAsync<string>("SELECT accepted_by FROM annual_review.certificate WHERE id = @id", new { id = issued.CertificateId });
        Assert.Multiple(() =>
        {
            Assert.That(certificates.Single().AcceptedIp, Is.EqualTo("127.0.0.1"));
            Assert.That(certificates.Single().AcceptedAt, Is.EqualTo(App.Clock.Now));
            Assert.That(certificates.Single().AcceptedByName, Is.EqualTo("经办人"));
            Assert.That(acceptedBy, Is.EqualTo($"employer-{a.Id:N}"));
            Assert.That(payload, Does.Contain(issued.CertificateNumber).And.Contain("2.83"));
            Assert.That(issued.ShortCode, Has.Length.EqualTo(10));
            Assert.That(issued.CertificateNumber, Does.StartWith("ZJ2025330106"));
        });
    }

    [Test]
    public async Task Reviewers_AndAdmins_CannotAcceptTheCommitmentForTheUnit()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        await Seed.TwoConfirmedAsync(a);
        Assert.Multiple(async () =>
        {
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Reviewer("3301"), new CertifyAnnualReview(a.Id, Seed.Year)));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Admin, new CertifyAnnualReview(a.Id, Seed.Year)));
        });
    }

    [Test]
    public async Task EventsAppliedTogether_InOneDelivery_EndAsTheSameEventsAppliedOneByOne()
    {
        var (a, b, _) = await Seed.UnitsAsync();
        // The same story of four placements for two units: A hears it one event at a time, B in one delivery (one inbox batch), in
        // another order and with a late, older event among them.
        IntegrationEvent[] Story(UnitDto u, Guid[] p) =>
        [
            new PlacementDeclared(p[0], u.Id, Seed.Year, 1),
            new PlacementDeclared(p[1], u.Id, Seed.Year, 1),
            new PlacementSubmitted(p[0], u.Id, Seed.Year, "张*", 2),
            Seed.Confirmed(p[0], u, 24, version: 3),
            new PlacementDeclared(p[2], u.Id, Seed.Year, 1),
            new PlacementWithdrawn(p[2], u.Id, Seed.Year, 2),
            new PlacementDisputed(p[1], u.Id, Seed.Year, [3, 4], "有社保缴费记录", "李*", 2),
            new PlacementDeclared(p[3], u.Id, Seed.Year, 1),
            new PlacementSubmitted(p[3], u.Id, Seed.Year, "王*", 2),
            Seed.Confirmed(p[3], u, 12, version: 3),
            new PlacementSubmitted(p[0], u.Id, Seed.Year, "张*", 2), // late: older than the confirmation
        ];
        var pa = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).ToArray();
        var pb = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var e in Story(a, pa)) await Seed.DeliverAsync(e);
        var together = Story(b, pb);
        await Seed.DeliverAsync([.. together.Reverse().Take(4), .. together.Take(together.Length - 4)]);

        async Task<string> YearOf(UnitDto u) => await Seed.ScalarAsync<string>(
            "SELECT state || ' ' || active_placements || ' ' || confirmed_placements FROM annual_review.unit_year WHERE unit_id = @Id AND business_year = @year",
            new { u.Id, year = Seed.Year });
        async Task<string> PlacementsOf(Guid[] p) => await Seed.ScalarAsync<string>("""
            SELECT string_agg(s.state || ' ' || coalesce(s.person_months::text, '-') || ' v' || s.version, ', ' ORDER BY x.n)
            FROM unnest(@p::uuid[]) WITH ORDINALITY AS x(id, n) JOIN annual_review.placement_state s ON s.placement_id = x.id
            """, new { p });
        var (yearA, yearB, placementsA, placementsB) = (await YearOf(a), await YearOf(b), await PlacementsOf(pa), await PlacementsOf(pb));
        Assert.Multiple(() =>
        {
            Assert.That(yearA, Is.EqualTo("InProgress 3 2"), "one by one: three active (one withdrawn), two of them confirmed");
            Assert.That(placementsA, Is.EqualTo("Confirmed 24 v3, Disputed - v2, Withdrawn - v2, Confirmed 12 v3"));
            Assert.That(yearB, Is.EqualTo(yearA));
            Assert.That(placementsB, Is.EqualTo(placementsA));
        });
    }

    [Test]
    public async Task AnOlderEvent_NeverOverwritesANewerOne_AndARedeliveryIsHandledOnce()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        var p = Guid.NewGuid();
        var submitted = new PlacementSubmitted(p, a.Id, Seed.Year, "张*", 2);
        var confirmed = Seed.Confirmed(p, a, 12, version: 3);
        await Seed.DeliverAsync(confirmed);
        await Seed.DeliverAsync(submitted);  // arrives late: an older version than the confirmation
        var afterLate = await Seed.StateAsync(a);
        await Seed.DeliverAsync(new PlacementReopened(p, a.Id, Seed.Year, 4));
        await Seed.RedeliverAsync(confirmed); // the same message again: the inbox ignores it
        var afterRedelivery = await Seed.StateAsync(a);
        Assert.Multiple(() =>
        {
            Assert.That(afterLate, Is.EqualTo(AnnualReviewState.ReadyToCertify));
            Assert.That(afterRedelivery, Is.EqualTo(AnnualReviewState.InProgress));
        });
    }

    [Test]
    public async Task Status_OfAnotherUnit_IsNotFound_ForAnEmployer_AndForbidden_ForAReviewerElsewhere()
    {
        var (a, b, _) = await Seed.UnitsAsync();
        Assert.Multiple(async () =>
        {
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(b.Id), new GetAnnualReviewStatus(a.Id, Seed.Year)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(b.Id), new CheckDeclarationOpen(a.Id, Seed.Year)));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Reviewer("3302"), new GetAnnualReviewStatus(a.Id, Seed.Year)));
        });
    }

    [Test]
    public async Task CommitmentLetter_NamesTheUnitTheYearAndTheCount()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        await Seed.TwoConfirmedAsync(a);
        var letter = await App.SendAsync(TestUsers.Employer(a.Id), new GetCommitmentLetter(a.Id, Seed.Year));
        Assert.Multiple(() =>
        {
            Assert.That(letter.Text, Does.Contain("杭州西湖明远科技有限公司").And.Contain("2025年度").And.Contain("2.83 人").And.Contain("承诺"));
            Assert.That(letter.CanCertify, Is.True, letter.BlockedReason);
            Assert.That(letter.Persons, Has.Count.EqualTo(2));
            Assert.That(letter.Persons.Select(p => p.MaskedIdNumber), Has.All.Contain("********"));
        });
    }
}
