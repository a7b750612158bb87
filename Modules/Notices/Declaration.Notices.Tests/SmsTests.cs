using Declaration.TestSupport;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Notices.Contracts;
using Declaration.Placement.Contracts;
using Declaration.Notices.Features.Sms;
using Declaration.Units.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Declaration.Notices.Tests.NoticesFixture;

namespace Declaration.Notices.Tests;

public sealed class SmsTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private sealed record Message(Guid UnitId, string Kind, string Mobile, string Content, string Status, int Attempts, string? LastError);

    private static Task<IReadOnlyList<Message>> MessagesAsync() => App.InScopeAsync(TestUsers.System, sp =>
        sp.GetRequiredService<IDbSession>().QueryAsync<Message>(
            "SELECT unit_id AS UnitId, kind, mobile, content, status, attempts, last_error AS LastError FROM notices.sms_message ORDER BY created_at, unit_id",
            null, CancellationToken.None));

    /// <summary>A gateway that counts what it was handed.</summary>
    private sealed class CountingGateway : ISmsGateway
    {
        public List<SmsOutgoing> Sent { get; } = [];
        public string Name => "test";
        public Task<SmsSendResult> SendAsync(SmsOutgoing message, CancellationToken ct)
        {
            Sent.Add(message);
            return Task.FromResult(new SmsSendResult(SmsOutcome.Sent, "t-" + message.MessageId));
        }
    }

    private static Task<SmsDispatchSummary> DispatchAsync(ISmsGateway? gateway = null) => App.InScopeAsync(TestUsers.System, sp =>
        (gateway is null ? sp.GetRequiredService<SmsDispatcher>()
            : new SmsDispatcher(sp.GetRequiredService<IDbSession>(), gateway, sp.GetRequiredService<IOptions<SmsOptions>>(), App.Clock, NullLogger<SmsDispatcher>.Instance))
        .DispatchOnceAsync(CancellationToken.None));

    [Test]
    public async Task ANotice_TextsEveryUnitOfItsRegion_OnceEach()
    {
        var u = await Seed.UnitsAsync(App);
        await Seed.PublishAsync(App, "杭州市年审通知", "正文", "3301");
        await Seed.DeliverAsync(App);
        var messages = await Poller.UntilAsync(MessagesAsync, m => m.Count >= 3);
        await Task.Delay(300);
        Assert.Multiple(async () =>
        {
            Assert.That((await MessagesAsync()).Select(m => m.UnitId), Is.EquivalentTo(new[] { u.A.Id, u.C.Id, u.D.Id }));
            Assert.That(messages.All(m => m.Kind == "notice_published" && m.Content.Contains("《杭州市年审通知》", StringComparison.Ordinal)), Is.True);
            Assert.That(messages.Select(m => m.Mobile), Is.EquivalentTo(new[] { "13800000001", "13800000003", "13800000004" }));
        });
    }

    [Test]
    public async Task WithdrawingANotice_CancelsItsUnsentTexts_AndALateAnnouncementQueuesNone()
    {
        await Seed.UnitsAsync(App);
        var hangzhou = await Seed.PublishAsync(App, "杭州市年审通知", "正文", "3301");
        await Seed.DeliverAsync(App);
        await Poller.UntilAsync(MessagesAsync, m => m.Count >= 3);
        // Ningbo's notice is withdrawn before its announcement is delivered.
        var ningbo = await Seed.PublishAsync(App, "宁波市年审通知", "正文", "3302");
        var withdrawn = await App.SendAsync(Seed.Admin, new UnpublishNotice(hangzhou));
        await App.SendAsync(Seed.Admin, new UnpublishNotice(ningbo));
        await Seed.DeliverAsync(App);
        await Task.Delay(300);
        var gateway = new CountingGateway();
        await DispatchAsync(gateway);
        var messages = await MessagesAsync();
        Assert.Multiple(() =>
        {
            Assert.That(withdrawn, Is.True);
            Assert.That(messages, Has.Count.EqualTo(3), "none for the Ningbo unit");
            Assert.That(messages.All(m => m.Status == "cancelled" && m.LastError == "通知公告已撤回"), Is.True);
            Assert.That(gateway.Sent, Is.Empty);
        });
        var listed = await App.SendAsync(Seed.Admin, new GetSmsMessages(SmsStatus.Cancelled));
        Assert.That(listed.Total, Is.EqualTo(3));
    }

    [Test]
    public async Task AScheduledNotice_IsAnnouncedWhenItsTimeComes_NotBefore()
    {
        await Seed.UnitsAsync(App);
        await Seed.PublishAsync(App, "预定通知", "正文", "3302", App.Clock.Now.AddHours(1));
        await Seed.DeliverAsync(App);
        await Task.Delay(300);
        Assert.That(await MessagesAsync(), Is.Empty);
        App.Clock.Advance(TimeSpan.FromHours(2));
        await App.InScopeAsync(TestUsers.System, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            await db.BeginAsync(CancellationToken.None);
            await sp.GetRequiredService<Features.Notices.NoticeAnnouncer>().AnnounceDueAsync(null, CancellationToken.None);
            await db.CommitAsync(CancellationToken.None);
            return 0;
        });
        await Seed.DeliverAsync(App);
        var messages = await Poller.UntilAsync(MessagesAsync, m => m.Count >= 1);
        Assert.That(messages.Single().Mobile, Is.EqualTo("13800000002"));
    }

    [Test]
    public async Task AnEventDeliveredTwice_ProducesOneMessage_WithOnlyTheMaskedName()
    {
        var u = await Seed.UnitsAsync(App);
        var evt = new PlacementReturned(Guid.NewGuid(), u.A.Id, 2025, "工资低于最低工资标准（身份证330106198506120015）", "张*", 3);
        await App.PublishAsync(evt);
        await App.RedeliverAsync(evt);
        await Poller.UntilAsync(MessagesAsync, m => m.Count >= 1);
        await Task.Delay(500);
        // past the inbox as well: the (event id, unit) key holds
        await App.InScopeAsync(TestUsers.System, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            await db.BeginAsync(CancellationToken.None);
            await ActivatorUtilities.CreateInstance<PlacementReturnedSms>(sp).HandleAsync(evt, CancellationToken.None);
            await db.CommitAsync(CancellationToken.None);
            return 0;
        });
        var messages = await MessagesAsync();
        Assert.Multiple(() =>
        {
            Assert.That(messages, Has.Count.EqualTo(1));
            Assert.That(messages[0].Content, Does.Contain("张*"));
            Assert.That(messages[0].Content, Does.Contain("甲公司"));
            Assert.That(messages[0].Content, Does.Contain("2025年度"));
            Assert.That(messages[0].Content, Does.Not.Contain("330106198506120015"));
            Assert.That(messages[0].Content, Does.Not.Contain("{{"));
        });
    }

    [Test]
    public async Task EachCaseEvent_TextsTheUnitsContact()
    {
        var u = await Seed.UnitsAsync(App);
        // A placement of unit A (declared as its clerk, so Placement knows its masked name for the result text).
        LinkageData.Current = App;
        await LinkageData.StandardMinimumWagesAsync();
        var placement = await LinkageData.DeclareAsync(u.A, LinkageData.IdNumber("19900101", 13), name: "王五");
        await App.PublishAsync(new DisputeDecided(Guid.NewGuid(), u.A.Id, 2025, 3, true, "李*"),
            new CertificationResultChanged(placement.PlacementId, u.A.Id, 2025, 12, 9, 9, false, false, 2),
            new AnnualReview.Contracts.AnnualCertificationCompleted(u.C.Id, 2025, "ZJ2025-000001", 25m / 12m),
            new AnnualReview.Contracts.ReopenRequestDecided(u.B.Id, 2025, false, "理由不充分"));
        var messages = await Poller.UntilAsync(MessagesAsync, m => m.Count >= 4);
        Assert.Multiple(() =>
        {
            Assert.That(messages.Single(m => m.Kind == "dispute_decided").Content, Does.Contain("李*3月的异议已审核，结果为认定符合条件"));
            Assert.That(messages.Single(m => m.Kind == "certification_result_changed").Content, Does.Contain("由12个月变为9个月"));
            Assert.That(messages.Single(m => m.Kind == "annual_certification_completed").Content, Does.Contain("认定人数2.08人"));
            Assert.That(messages.Single(m => m.Kind == "annual_certification_completed").UnitId, Is.EqualTo(u.C.Id));
            Assert.That(messages.Single(m => m.Kind == "reopen_request_decided").Content, Does.Contain("未获通过"));
            Assert.That(messages.Single(m => m.Kind == "reopen_request_decided").Mobile, Is.EqualTo("13800000002"));
        });
    }

    [Test]
    public async Task AChangedContactMobile_IsUsedForLaterMessages()
    {
        var u = await Seed.UnitsAsync(App);
        await App.SendAsync(TestUsers.Employer(u.A.Id), new UpdateUnitProfile(u.A.Id, u.A.Version, u.A.Name, u.A.UnitType,
            u.A.LegalRepresentative, u.A.LegalPhone, u.A.ContactName, "13912345678", u.A.Address));
        await Seed.DeliverAsync(App);
        await Poller.UntilAsync(() => Seed.CountAsync(App, "SELECT count(*) FROM notices.unit_contact WHERE contact_mobile = '13912345678'"), n => n == 1);
        await App.PublishAsync(new DisputeDecided(Guid.NewGuid(), u.A.Id, 2025, 5, false, "李*"));
        var messages = await Poller.UntilAsync(MessagesAsync, m => m.Count >= 1);
        Assert.That(messages.Single().Mobile, Is.EqualTo("13912345678"));
    }

    [Test]
    public async Task TheLocalSink_StoresEachMessageOnce_AndTheAdminListsThem()
    {
        var u = await Seed.UnitsAsync(App);
        await App.PublishAsync(new DisputeDecided(Guid.NewGuid(), u.A.Id, 2025, 3, false, "李*"));
        await Poller.UntilAsync(MessagesAsync, m => m.Count >= 1);
        var first = await DispatchAsync();
        var second = await DispatchAsync();
        var listed = await App.SendAsync(Seed.Admin, new GetSmsMessages(SmsStatus.Sent));
        Assert.Multiple(async () =>
        {
            Assert.That(first.Sent, Is.EqualTo(1));
            Assert.That(second.Claimed, Is.Zero);
            Assert.That(await Seed.CountAsync(App, "SELECT count(*) FROM notices.sms_sink"), Is.EqualTo(1));
            Assert.That(listed.Items.Single().MaskedMobile, Is.EqualTo("138****0001"));
            Assert.That(listed.Items.Single().UnitName, Is.EqualTo("甲公司"));
            await Assert.ThrowsAsync<BuildingBlocks.Errors.ForbiddenException>(() => App.SendAsync(TestUsers.Reviewer("33"), new GetSmsMessages(null)));
        });
    }

    [Test]
    public async Task AnInvalidMobile_IsRecordedAsFailed_WithoutReachingTheGateway_AndNotRetried()
    {
        var unitId = Guid.NewGuid();
        await App.PublishAsync(new UnitProfileChanged(unitId, "91330106MA2CDE0F7X", "无手机单位", "enterprise", "330106", "330106", "T", "经办人", "0571-8700123", 1));
        await Poller.UntilAsync(() => Seed.CountAsync(App, "SELECT count(*) FROM notices.unit_contact"), n => n == 1);
        await App.PublishAsync(new DisputeDecided(Guid.NewGuid(), unitId, 2025, 3, true, "李*"));
        await Poller.UntilAsync(MessagesAsync, m => m.Count >= 1);
        var gateway = new CountingGateway();
        var first = await DispatchAsync(gateway);
        App.Clock.Advance(TimeSpan.FromDays(1));
        var second = await DispatchAsync(gateway);
        var message = (await MessagesAsync()).Single();
        Assert.Multiple(() =>
        {
            Assert.That(first.Failed, Is.EqualTo(1));
            Assert.That(second.Claimed, Is.Zero);
            Assert.That(gateway.Sent, Is.Empty);
            Assert.That(message.Status, Is.EqualTo("failed"));
            Assert.That(message.Attempts, Is.EqualTo(1));
            Assert.That(message.LastError, Does.Contain("手机号码无效"));
        });
    }
}
