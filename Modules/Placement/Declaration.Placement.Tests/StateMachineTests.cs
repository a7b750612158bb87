using Microsoft.Extensions.DependencyInjection;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using static Declaration.Placement.Tests.PlacementFixture;

namespace Declaration.Placement.Tests;

/// <summary>RULES.md §5 through the mediator, with the real Certification engine.</summary>
public sealed class StateMachineTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static Task<long> OutboxCountAsync(string type) => Seed.DbAsync(App, db =>
        db.ExecuteScalarAsync<long>("SELECT count(*) FROM placement.outbox WHERE type = @type", new { type = "Declaration.Placement.Contracts." + type }, CancellationToken.None));

    private static async Task<(Guid UnitId, PlacementSaved Saved)> DeclaredAsync()
    {
        var (a, _) = await Seed.UnitsAsync(App);
        return (a.Id, await App.SendAsync(TestUsers.Employer(a.Id), Seed.Declare(a.Id)));
    }

    /// <summary>A declared placement, submitted and in the reviewer's queue.</summary>
    private static async Task<(Guid UnitId, PlacementSaved Saved)> SubmittedAsync()
    {
        var (unitId, saved) = await DeclaredAsync();
        await App.SendAsync(TestUsers.Employer(unitId), new SubmitPlacement(saved.PlacementId, saved.Version));
        await Seed.RelayAsync(App);
        await Poller.UntilAsync(() => App.SendAsync(Seed.ReviewerHangzhou, new GetReviewQueue(ReviewQueueKind.All, Seed.Year, null)),
            q => q.Items.Any(i => i.PlacementId == saved.PlacementId));
        return (unitId, saved);
    }

    /// <summary>A unit whose one placement was submitted and confirmed, and whose year is then certified.</summary>
    private static async Task<(Guid UnitId, PlacementSaved Saved)> CertifiedYearAsync()
    {
        var (unitId, saved) = await SubmittedAsync();
        await App.SendAsync(Seed.ReviewerHangzhou, new ConfirmPlacement(saved.PlacementId));
        await Seed.RelayUntilStateAsync(App, saved.PlacementId, "Confirmed");
        await App.SendAsync(TestUsers.Employer(unitId), new Declaration.AnnualReview.Contracts.CertifyAnnualReview(unitId, Seed.Year));
        return (unitId, saved);
    }

    private static async Task<int> UploadPdfAsync(Guid unitId, Guid placementId)
    {
        await App.SendAsync(TestUsers.Employer(unitId), new AddDisputeEvidence(placementId, new MemoryStream(Seed.Pdf), "证明.pdf"));
        return 0;
    }

    /// <summary>
    /// New placements and their events take time-ordered keys (UUID version 7): at a million placements each declaration writes at the
    /// right edge of the indexes keyed by them instead of a random page of each (measured: 5 full-page images a declaration → 0.8).
    /// </summary>
    [Test]
    public async Task ADeclaration_AndItsEvents_TakeTimeOrderedKeys()
    {
        var (a, _) = await Seed.UnitsAsync(App);
        var first = await App.SendAsync(TestUsers.Employer(a.Id), Seed.Declare(a.Id));
        var second = await App.SendAsync(TestUsers.Employer(a.Id), Seed.Declare(a.Id, Seed.Woman, Seed.WomanCertificate, "李四"));
        // PostgreSQL's own order of the keys (bytewise, as its indexes keep them).
        var (placementsInOrder, eventsInOrder, versions) = await Seed.DbAsync(App, db => db.QuerySingleAsync<(bool, bool, string)>("""
            SELECT (SELECT @first::uuid < @second::uuid),
                   (SELECT bool_and(ordered) FROM (SELECT id > lag(id) OVER (ORDER BY seq) AS ordered FROM placement.outbox) o WHERE ordered IS NOT NULL),
                   (SELECT string_agg(DISTINCT substr(id::text, 15, 1), '') FROM (SELECT id FROM placement.outbox UNION ALL SELECT id FROM placement.placement) k)
            """, new { first = first.PlacementId, second = second.PlacementId }, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(placementsInOrder, Is.True, "the later placement's key sorts after the earlier one's");
            Assert.That(eventsInOrder, Is.True, "each event's key sorts after the one written before it");
            Assert.That(versions, Is.EqualTo("7"), "every key is a version 7 UUID");
        });
    }

    [Test]
    public async Task Declaring_WithoutAMinimumWageForTheRegion_IsRefused_AndSavesNothingInAnyModule()
    {
        var (a, _) = await Seed.UnitsAsync(App, linkage: false);
        var ex = await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(TestUsers.Employer(a.Id), Seed.Declare(a.Id)));
        var counts = await Seed.DbAsync(App, db => db.QuerySingleAsync<(long Placements, long Facts, long Results, long Events, long Audit)>("""
            SELECT (SELECT count(*) FROM placement.placement), (SELECT count(*) FROM certification.placement),
                   (SELECT count(*) FROM certification.placement_months),
                   (SELECT count(*) FROM placement.outbox) + (SELECT count(*) FROM certification.outbox WHERE type LIKE '%PlacementCertified'),
                   (SELECT count(*) FROM platform.audit_log WHERE module = 'Placement')
            """, null, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("最低工资"));
            Assert.That(counts, Is.EqualTo((0L, 0L, 0L, 0L, 0L)));
        });
    }

    [Test]
    public async Task Declaring_AuditsTheRowAsTheTableHoldsIt_AndAnswersItsVersion()
    {
        // The insert is not read back: the audited row and the answered version are built from what was inserted.
        var (a, _) = await Seed.UnitsAsync(App);
        var saved = await App.SendAsync(TestUsers.Employer(a.Id), Seed.Declare(a.Id) with { MonthlyWage = 5000m, Phone = " 13800000000 " });
        var same = await Seed.DbAsync(App, db => db.QuerySingleAsync<(int Version, int Differences)>("""
            SELECT p.version,
                   (a.after->>'monthlyWage' IS DISTINCT FROM p.monthly_wage::text)::int + (a.after->>'idNumber' IS DISTINCT FROM p.id_number_masked)::int
                 + (a.after->>'name' IS DISTINCT FROM p.name_masked)::int + (a.after->>'phone' IS DISTINCT FROM overlay(p.phone placing '****' from 4))::int
                 + (a.after->>'state' IS DISTINCT FROM p.state)::int + ((a.after->>'version')::int IS DISTINCT FROM p.version)::int
                 + ((a.after->>'employmentStart')::date IS DISTINCT FROM p.employment_start)::int + ((a.after->>'category')::int IS DISTINCT FROM p.category)::int
                 + ((a.after->>'level')::int IS DISTINCT FROM p.level)::int + (a.after->>'certificateType' IS DISTINCT FROM p.certificate_type)::int
                 + (jsonb_array_length(a.after->'disputedMonths') IS DISTINCT FROM cardinality(p.disputed_months))::int
            FROM placement.placement p JOIN platform.audit_log a ON a.entity_id = p.id::text AND a.action = '添加残疾人'
            WHERE p.id = @PlacementId
            """, saved, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(same.Differences, Is.EqualTo(0));
            Assert.That(saved.Version, Is.EqualTo(same.Version));
        });
    }

    [Test]
    public async Task DeclaringAPersonAnotherRequestIsDeclaringAtTheSameInstant_IsRefusedAsADuplicate_NotAnError()
    {
        // Both pass the early check; the row of the other request (held uncommitted here) makes this one's insert wait at its COMMIT,
        // then fail on the unique key: the clerk gets the duplicate message, and nothing of this request is saved.
        var (a, b) = await Seed.UnitsAsync(App);
        var other = await App.SendAsync(TestUsers.Employer(b.Id), Seed.Declare(b.Id));
        var dataSource = App.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();
        await using var blocker = await dataSource.OpenConnectionAsync();
        await using var tx = await blocker.BeginTransactionAsync();
        await using (var copy = new Npgsql.NpgsqlBatch(blocker, tx)
        {
            BatchCommands =
            {
                new("CREATE TEMP TABLE twin ON COMMIT DROP AS SELECT * FROM placement.placement WHERE id = $1") { Parameters = { new() { Value = other.PlacementId } } },
                new("UPDATE twin SET id = gen_random_uuid(), unit_id = $1") { Parameters = { new() { Value = a.Id } } },
                new("INSERT INTO placement.placement SELECT * FROM twin"),
            },
        })
            await copy.ExecuteNonQueryAsync();
        var declaring = App.SendAsync(TestUsers.Employer(a.Id), Seed.Declare(a.Id));
        for (var i = 0; i < 200 && !declaring.IsCompleted; i++)
        {
            await using var waits = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE NOT granted", blocker, tx);
            if ((long)(await waits.ExecuteScalarAsync())! > 0) break;
            await Task.Delay(50);
        }
        await tx.CommitAsync();
        var ex = await Assert.ThrowsAsync<InputException>(() => declaring);
        var facts = await Seed.DbAsync(App, db => db.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM certification.placement WHERE unit_id = @Id", a, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Errors["IdNumber"], Has.Some.Contains("不能重复登记"));
            Assert.That(facts, Is.EqualTo(0), "the certification facts of the refused declaration are rolled back with it");
        });
    }

    [Test]
    public async Task Declaring_SavesADraft_AndCertifiesTwelveMonthsAtOnce()
    {
        var (unitId, saved) = await DeclaredAsync();
        var result = await App.SendAsync(TestUsers.Employer(unitId), new GetCertificationResult(saved.PlacementId));
        var list = await App.SendAsync(TestUsers.Employer(unitId), new GetPlacements(unitId, Seed.Year));
        Assert.Multiple(async () =>
        {
            Assert.That(await Seed.StateAsync(App, saved.PlacementId), Is.EqualTo("Draft"));
            Assert.That(result!.Months, Has.Count.EqualTo(12));
            Assert.That(result.QualifyingMonths, Is.EqualTo(12));
            Assert.That(list.Single().MaskedIdNumber, Is.EqualTo("330102********2516"));
            Assert.That(list.Single().Category, Is.EqualTo(4));
            Assert.That(list.Single().Level, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task ADeclaration_BringsOurCopyOfItsUnit_UpToDate_OnlyWhenBehind()
    {
        var (unitId, _) = await DeclaredAsync();
        string Copy() => "SELECT name || '|' || version || '|' || updated_at::text FROM placement.unit WHERE id = @unitId";
        var current = await Seed.DbAsync(App, db => db.ExecuteScalarAsync<string>(Copy(), new { unitId }, CancellationToken.None));
        // Current: the next declaration writes nothing (the row keeps its time).
        App.Clock.Advance(TimeSpan.FromMinutes(1));
        await App.SendAsync(TestUsers.Employer(unitId), Seed.Declare(unitId, Seed.Woman, Seed.WomanCertificate, "李四"));
        var untouched = await Seed.DbAsync(App, db => db.ExecuteScalarAsync<string>(Copy(), new { unitId }, CancellationToken.None));
        // Behind (an event not applied yet): the declaration refreshes it with its COMMIT.
        await Seed.DbAsync(App, db => db.ExecuteAsync("UPDATE placement.unit SET name = '旧名称', version = version - 1 WHERE id = @unitId",
            new { unitId }, CancellationToken.None));
        App.Clock.Advance(TimeSpan.FromMinutes(1));
        await App.SendAsync(TestUsers.Employer(unitId), Seed.Declare(unitId, "330106198805120015", "33010619880512001531", "王五"));
        var refreshed = await Seed.DbAsync(App, db => db.ExecuteScalarAsync<string>(Copy(), new { unitId }, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(untouched, Is.EqualTo(current));
            Assert.That(refreshed!.Split('|')[..2], Is.EqualTo(current!.Split('|')[..2]), "name and version as Units has them");
            Assert.That(refreshed, Is.Not.EqualTo(current), "written again");
        });
    }

    [Test]
    public async Task DeclaringTheSamePersonTwiceInAUnitYear_IsRefusedWithAClearMessage()
    {
        var (unitId, saved) = await DeclaredAsync();
        var before = await App.SendAsync(TestUsers.Employer(unitId), new GetCertificationResult(saved.PlacementId));
        // The person key refuses it at the COMMIT (no read asks first): what the declaration did before — its facts certified with
        // the first placement's — is rolled back with it.
        var ex = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(TestUsers.Employer(unitId), Seed.Declare(unitId) with { Name = "张三丰" }));
        var after = await App.SendAsync(TestUsers.Employer(unitId), new GetCertificationResult(saved.PlacementId));
        var facts = await Seed.DbAsync(App, db => db.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM certification.placement WHERE unit_id = @unitId", new { unitId }, CancellationToken.None));
        Assert.Multiple(async () =>
        {
            Assert.That(ex!.Errors["IdNumber"], Has.Some.Contains("不能重复登记"));
            Assert.That((await App.SendAsync(TestUsers.Employer(unitId), new GetPlacements(unitId, Seed.Year))).Count, Is.EqualTo(1));
            Assert.That(facts, Is.EqualTo(1), "the refused declaration's certification facts are rolled back");
            Assert.That(after!.Version, Is.EqualTo(before!.Version), "the first placement's result is as it was");
            Assert.That(await OutboxCountAsync(nameof(PlacementDeclared)), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Submitting_MovesToAwaitingReview_AndPublishesPlacementSubmitted()
    {
        var (unitId, saved) = await DeclaredAsync();
        await App.SendAsync(TestUsers.Employer(unitId), new SubmitPlacement(saved.PlacementId, saved.Version));
        Assert.Multiple(async () =>
        {
            Assert.That(await Seed.StateAsync(App, saved.PlacementId), Is.EqualTo("AwaitingReview"));
            Assert.That(await OutboxCountAsync(nameof(PlacementSubmitted)), Is.EqualTo(1));
        });
        var again = await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(TestUsers.Employer(unitId), new SubmitPlacement(saved.PlacementId, saved.Version + 1)));
        Assert.That(again!.Rule, Is.EqualTo("OnlyDraftOrReturnedIsSubmittedRule"));
    }

    [Test]
    public async Task AStaleVersion_IsAConflict()
    {
        var (unitId, saved) = await DeclaredAsync();
        await App.SendAsync(TestUsers.Employer(unitId), Seed.Edit(saved, Seed.Declare(unitId) with { MonthlyWage = 5200 }));
        await Assert.ThrowsAsync<ConflictException>(() => App.SendAsync(TestUsers.Employer(unitId), new SubmitPlacement(saved.PlacementId, saved.Version)));
        await Task.CompletedTask;
    }

    [Test]
    public async Task ADispute_WithoutAReason_OrWithoutMonths_OrWithoutEvidence_IsRefused()
    {
        var (unitId, saved) = await DeclaredAsync();
        var user = TestUsers.Employer(unitId);
        var noReason = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(user, new DisputePlacement(saved.PlacementId, saved.Version, [3, 4], " ")));
        var noMonths = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(user, new DisputePlacement(saved.PlacementId, saved.Version, [], "已补缴")));
        var badMonth = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(user, new DisputePlacement(saved.PlacementId, saved.Version, [13], "已补缴")));
        var noEvidence = await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(user, new DisputePlacement(saved.PlacementId, saved.Version, [3], "已补缴")));
        Assert.Multiple(async () =>
        {
            Assert.That(noReason!.Errors.Keys, Does.Contain("Reason"));
            Assert.That(noMonths!.Errors.Keys, Does.Contain("ClaimedMonths"));
            Assert.That(badMonth!.Errors.Keys, Does.Contain("ClaimedMonths"));
            Assert.That(noEvidence!.Rule, Is.EqualTo("EvidenceRequiredForDisputeRule"));
            Assert.That(await Seed.StateAsync(App, saved.PlacementId), Is.EqualTo("Draft"));
        });
    }

    [Test]
    public async Task Evidence_IsCheckedByContent_NotByName()
    {
        var (unitId, saved) = await DeclaredAsync();
        var ex = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(TestUsers.Employer(unitId),
            new AddDisputeEvidence(saved.PlacementId, new MemoryStream("MZ not a pdf"u8.ToArray()), "证明.pdf")));
        Assert.That(ex!.Errors["file"], Has.Some.Contains("不是PDF、JPG或PNG"));
    }

    [Test]
    public async Task Evidence_IsLimitedToTwentyFiles()
    {
        var (unitId, saved) = await DeclaredAsync();
        for (var i = 0; i < 20; i++) await UploadPdfAsync(unitId, saved.PlacementId);
        var ex = await Assert.ThrowsAsync<BusinessRuleException>(() => UploadPdfAsync(unitId, saved.PlacementId));
        Assert.That(ex!.Rule, Is.EqualTo("EvidenceLimitRule"));
    }

    [Test]
    public async Task TheDisputeReviewConfirmFlow_EndsConfirmed_WithTheReviewersMonthDecisions()
    {
        var (unitId, saved) = await DeclaredAsync();
        var user = TestUsers.Employer(unitId);
        await UploadPdfAsync(unitId, saved.PlacementId);
        await App.SendAsync(user, new DisputePlacement(saved.PlacementId, saved.Version, [4, 3, 3], "3、4月已补缴养老保险"));
        var disputed = await App.SendAsync(user, new GetPlacementDetail(saved.PlacementId));
        Assert.Multiple(async () =>
        {
            Assert.That(disputed.State, Is.EqualTo(PlacementState.Disputed));
            Assert.That(disputed.DisputedMonths, Is.EqualTo(new[] { 3, 4 }));
            Assert.That(disputed.Evidence, Has.Count.EqualTo(1));
            Assert.That(await OutboxCountAsync(nameof(PlacementDisputed)), Is.EqualTo(1));
        });

        await Seed.RelayAsync(App);
        var queue = await Poller.UntilAsync(() => App.SendAsync(Seed.ReviewerHangzhou, new GetReviewQueue(ReviewQueueKind.Disputed, Seed.Year, null)),
            q => q.Items.Any(i => i.PlacementId == saved.PlacementId));
        Assert.That(queue.Items.Select(i => i.PlacementId), Does.Contain(saved.PlacementId));

        await App.SendAsync(Seed.ReviewerHangzhou, new DecideMonth(saved.PlacementId, 3, true, "补缴凭证属实"));
        await App.SendAsync(Seed.ReviewerHangzhou, new DecideMonth(saved.PlacementId, 4, false, "凭证不全"));
        await App.SendAsync(Seed.ReviewerHangzhou, new ConfirmPlacement(saved.PlacementId));
        var state = await Seed.RelayUntilStateAsync(App, saved.PlacementId, "Confirmed");
        var result = await App.SendAsync(user, new GetPlacementResult(saved.PlacementId));
        Assert.Multiple(() =>
        {
            Assert.That(state, Is.EqualTo("Confirmed"));
            Assert.That(result!.Months.Single(m => m.Month == 3).Granted, Is.True);
            Assert.That(result.Months.Single(m => m.Month == 4).Granted, Is.False);
            Assert.That(result.Months.Single(m => m.Month == 4).ReviewComment, Is.EqualTo("凭证不全"));
        });

        // After Confirmed: no edit, no delete (only through an approved reopen).
        var detail = await App.SendAsync(user, new GetPlacementDetail(saved.PlacementId));
        var edit = await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(user, Seed.Edit(new PlacementSaved(detail.Id, detail.Version), Seed.Declare(unitId))));
        var delete = await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(user, new DeletePlacement(detail.Id, detail.Version)));
        Assert.Multiple(() =>
        {
            Assert.That(edit!.Rule, Is.EqualTo("ConfirmedPlacementIsLockedRule"));
            Assert.That(delete!.Rule, Is.EqualTo("ConfirmedPlacementIsLockedRule"));
        });
    }

    [Test]
    public async Task AReturnedPlacement_ShowsTheReason_AndIsEditedAndResubmitted()
    {
        var (unitId, saved) = await SubmittedAsync();
        var user = TestUsers.Employer(unitId);
        await App.SendAsync(Seed.ReviewerHangzhou, new ReturnPlacement(saved.PlacementId, "请核实工资"));
        Assert.That(await Seed.RelayUntilStateAsync(App, saved.PlacementId, "Returned"), Is.EqualTo("Returned"));
        var returned = await App.SendAsync(user, new GetPlacementDetail(saved.PlacementId));
        Assert.That(returned.ReturnReason, Is.EqualTo("请核实工资"));

        var edited = await App.SendAsync(user, Seed.Edit(new PlacementSaved(returned.Id, returned.Version), Seed.Declare(unitId) with { MonthlyWage = 5600 }));
        Assert.That(await Seed.StateAsync(App, saved.PlacementId), Is.EqualTo("Draft"));
        await App.SendAsync(user, new SubmitPlacement(edited.PlacementId, edited.Version));
        var after = await App.SendAsync(user, new GetPlacementDetail(saved.PlacementId));
        Assert.Multiple(async () =>
        {
            Assert.That(after.State, Is.EqualTo(PlacementState.AwaitingReview));
            Assert.That(after.MonthlyWage, Is.EqualTo(5600m));
            Assert.That(after.ReturnReason, Is.Null);
            Assert.That(await OutboxCountAsync(nameof(PlacementReopened)), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Deleting_RemovesThePlacement_AndPublishesPlacementWithdrawn()
    {
        var (unitId, saved) = await DeclaredAsync();
        await App.SendAsync(TestUsers.Employer(unitId), new DeletePlacement(saved.PlacementId, saved.Version));
        Assert.Multiple(async () =>
        {
            Assert.That(await Seed.StateAsync(App, saved.PlacementId), Is.Null);
            Assert.That(await OutboxCountAsync(nameof(PlacementWithdrawn)), Is.EqualTo(1));
            Assert.That(await App.SendAsync(TestUsers.Employer(unitId), new GetCertificationResult(saved.PlacementId)), Is.Null);
        });
    }

    [Test]
    public async Task AnApprovedReopen_UnlocksConfirmedPlacements_UntilTheYearIsCertifiedAgain()
    {
        // The year is certified, the unit asks to reopen it and a reviewer approves (AnnualReview decides what is unlocked).
        var (unitId, saved) = await CertifiedYearAsync();
        var user = TestUsers.Employer(unitId);
        var request = await App.SendAsync(user, new Declaration.AnnualReview.Contracts.RequestReopen(unitId, Seed.Year, "需要更正人员信息"));
        await App.SendAsync(Seed.ReviewerHangzhou, new Declaration.AnnualReview.Contracts.DecideReopenRequest(request, true, "同意"));
        var unlocked = await App.SendAsync(user, new IsUnitYearUnlocked(unitId, Seed.Year));
        var confirmed = await App.SendAsync(user, new GetPlacementDetail(saved.PlacementId));
        var edited = await App.SendAsync(user, Seed.Edit(new PlacementSaved(confirmed.Id, confirmed.Version), Seed.Declare(unitId) with { MonthlyWage = 6000 }));
        Assert.Multiple(async () =>
        {
            Assert.That(unlocked, Is.True);
            Assert.That(edited.Version, Is.GreaterThan(confirmed.Version));
            Assert.That(await Seed.StateAsync(App, saved.PlacementId), Is.EqualTo("Draft"));
        });

        // Submitted, confirmed and certified again: locked again.
        await App.SendAsync(user, new SubmitPlacement(edited.PlacementId, edited.Version));
        await App.SendAsync(Seed.ReviewerHangzhou, new ConfirmPlacement(saved.PlacementId));
        await Seed.RelayAsync(App);
        await App.SendAsync(user, new Declaration.AnnualReview.Contracts.CertifyAnnualReview(unitId, Seed.Year));
        Assert.That(await App.SendAsync(user, new IsUnitYearUnlocked(unitId, Seed.Year)), Is.False);
    }

    [Test]
    public async Task OutsideTheDeclarationWindow_TheUnitCanReadButNotChange()
    {
        var (unitId, saved) = await DeclaredAsync();
        var before = await WrittenAsync();
        App.Clock.Now = new DateTimeOffset(2026, 11, 5, 2, 0, 0, TimeSpan.Zero);
        var user = TestUsers.Employer(unitId);
        var submit = await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(user, new SubmitPlacement(saved.PlacementId, saved.Version)));
        // A declaration's check travels with its COMMIT (no read first): the same refusal, and nothing of it left in any module.
        var declare = await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(user, Seed.Declare(unitId, Seed.Woman, Seed.WomanCertificate, "李四")));
        var list = await App.SendAsync(user, new GetPlacements(unitId, Seed.Year));
        var after = await WrittenAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(submit!.Rule, Is.EqualTo("DeclarationOpenRule"));
            Assert.That(declare!.Rule, Is.EqualTo("DeclarationOpenRule"));
            Assert.That(declare.Message, Is.EqualTo(submit.Message));
            Assert.That(declare.Message, Does.Contain("申报期为 2026年3月1日 至 2026年10月31日"));
            Assert.That(list, Has.Count.EqualTo(1));
            Assert.That(after, Is.EqualTo(before));
            Assert.That(await Seed.StateAsync(App, saved.PlacementId), Is.EqualTo("Draft"));
        });
    }

    [Test]
    public async Task DeclaringIntoACertifiedYear_IsRefusedWithTheCertifiedMessage_AndLeavesNothing()
    {
        var (unitId, _) = await CertifiedYearAsync();
        var user = TestUsers.Employer(unitId);
        var before = await WrittenAsync();
        var declare = await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(user, Seed.Declare(unitId, Seed.Woman, Seed.WomanCertificate, "李四")));
        var after = await WrittenAsync();
        Assert.Multiple(() =>
        {
            Assert.That(declare!.Rule, Is.EqualTo("DeclarationOpenRule"));
            Assert.That(declare.Message, Is.EqualTo($"{Seed.Year}年度已完成年审认证，安置信息不能再修改；如需修改，请通过“年审认证反馈”申请重新编辑"));
            Assert.That(after, Is.EqualTo(before));
        });
    }

    /// <summary>What a declaration writes, in every module it touches.</summary>
    private static Task<(long Placements, long Facts, long Results, long Events, long Audit)> WrittenAsync() =>
        Seed.DbAsync(App, db => db.QuerySingleAsync<(long, long, long, long, long)>("""
            SELECT (SELECT count(*) FROM placement.placement), (SELECT count(*) FROM certification.placement),
                   (SELECT count(*) FROM certification.placement_months),
                   (SELECT count(*) FROM placement.outbox) + (SELECT count(*) FROM certification.outbox),
                   (SELECT count(*) FROM platform.audit_log WHERE module = 'Placement')
            """, null, CancellationToken.None));
}
