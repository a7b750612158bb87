using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Notices.Contracts;
using static Declaration.Notices.Tests.NoticesFixture;

namespace Declaration.Notices.Tests;

public sealed class NoticeTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static async Task<IReadOnlyList<string>> TitlesAsync(Guid unitId, string? keyword) =>
        (await App.SendAsync(TestUsers.Employer(unitId), new SearchNotices(keyword))).Items.Select(i => i.Title).ToList();

    [Test]
    public async Task Search_FindsATwoCharacterChineseSubstring_OnlyWithinTheUnitsRegion_AndNeverExpiredOrScheduledOnes()
    {
        var u = await Seed.UnitsAsync(App);
        var now = App.Clock.Now;
        await Seed.PublishAsync(App, "关于做好年审工作的通知", "请各单位按时完成**联网认证**申报。", "33");
        await Seed.PublishAsync(App, "杭州市业务提醒", "杭州市单位请注意联网数据更新。", "3301");
        await Seed.PublishAsync(App, "宁波市业务提醒", "宁波市单位请注意联网数据更新。", "3302");
        await Seed.PublishAsync(App, "西湖区过期通知", "联网认证旧安排。", "330106", now.AddDays(-10), now.AddDays(-1));
        await Seed.PublishAsync(App, "西湖区预告", "联网认证新安排。", "330106", now.AddDays(2));
        await Seed.PublishAsync(App, "滨江区通知", "与联网无关的滨江事项。", "330108");
        await Seed.PublishAsync(App, "全省无关通知", "工资标准调整。", "33");

        var a = await TitlesAsync(u.A.Id, "联网");
        var b = await TitlesAsync(u.B.Id, "联网");
        Assert.Multiple(async () =>
        {
            Assert.That(a, Is.EquivalentTo(new[] { "关于做好年审工作的通知", "杭州市业务提醒" }));
            Assert.That(b, Is.EquivalentTo(new[] { "关于做好年审工作的通知", "宁波市业务提醒" }));
            // a substring of the title, and (3+ characters, the trigram path) across Markdown emphasis in the body
            Assert.That(await TitlesAsync(u.A.Id, "年审"), Is.EquivalentTo(new[] { "关于做好年审工作的通知" }));
            Assert.That(await TitlesAsync(u.A.Id, "联网认证申报"), Is.EquivalentTo(new[] { "关于做好年审工作的通知" }));
            Assert.That(await TitlesAsync(u.A.Id, "过期"), Is.Empty);
            Assert.That(await TitlesAsync(u.A.Id, "预告"), Is.Empty);
            Assert.That(await TitlesAsync(u.A.Id, null), Has.Count.EqualTo(3));
            Assert.That(await TitlesAsync(u.D.Id, "联网"), Is.EquivalentTo(new[] { "关于做好年审工作的通知", "杭州市业务提醒", "滨江区通知" }));
        });
    }

    [Test]
    public async Task TheScheduledNotice_AppearsOnceItsTimeComes_AndTheExpiredOneDisappears()
    {
        var u = await Seed.UnitsAsync(App);
        var now = App.Clock.Now;
        await Seed.PublishAsync(App, "预定发布的通知", "正文", "33", now.AddHours(1), now.AddDays(3));
        Assert.That(await TitlesAsync(u.A.Id, null), Is.Empty);
        App.Clock.Advance(TimeSpan.FromHours(2));
        Assert.That(await TitlesAsync(u.A.Id, null), Is.EqualTo(new[] { "预定发布的通知" }));
        App.Clock.Advance(TimeSpan.FromDays(3));
        Assert.That(await TitlesAsync(u.A.Id, null), Is.Empty);
    }

    [Test]
    public async Task Markdown_IsRendered_AndAScriptTagRendersInert()
    {
        var u = await Seed.UnitsAsync(App);
        var id = await Seed.PublishAsync(App, "格式测试", """
            # 标题
            **加粗** 和 *斜体*

            <script>alert('x')</script>
            <img src=x onerror="alert(1)">
            [链接](javascript:alert(1)) [官网](https://www.zjzwfw.gov.cn/)
            """, "33");
        var notice = await App.SendAsync(TestUsers.Employer(u.A.Id), new GetNotice(id));
        Assert.Multiple(() =>
        {
            Assert.That(notice.BodyHtml, Does.Contain("<strong>加粗</strong>"));
            Assert.That(notice.BodyHtml, Does.Contain("<em>斜体</em>"));
            Assert.That(notice.BodyHtml, Does.Contain("<h2"), "headings sit under the page's h1");
            Assert.That(notice.BodyHtml, Does.Not.Contain("<script"));
            Assert.That(notice.BodyHtml, Does.Not.Contain("<img"));
            Assert.That(notice.BodyHtml, Does.Not.Contain("javascript:"));
            Assert.That(notice.BodyHtml, Does.Contain("&lt;script&gt;"), "the script is shown as text");
            Assert.That(notice.BodyHtml, Does.Contain("href=\"https://www.zjzwfw.gov.cn/\""));
        });
    }

    [Test]
    public void TheSanitiser_RemovesScriptAndEventHandlers_EvenFromRawHtml()
    {
        var html = new Ganss.Xss.HtmlSanitizer().Sanitize("<p onclick=\"alert(1)\">正文</p><script>alert(1)</script>");
        var rendered = Domain.NoticeText.ToHtml("<p onclick=\"alert(1)\">正文</p>");
        Assert.Multiple(() =>
        {
            Assert.That(html, Is.EqualTo("<p>正文</p>"));
            Assert.That(rendered, Does.Not.Contain("<p onclick"));
        });
    }

    [Test]
    public async Task AReviewer_PublishesOnlyWithinItsJurisdiction_AndUnitsCannotPublish()
    {
        var u = await Seed.UnitsAsync(App);
        var reviewer = TestUsers.Reviewer("3301");
        var ok = await Seed.PublishAsync(App, "西湖区通知", "正文", "330106", by: reviewer);
        Assert.Multiple(async () =>
        {
            Assert.That(ok, Is.Not.EqualTo(Guid.Empty));
            await Assert.ThrowsAsync<ForbiddenException>(() => Seed.PublishAsync(App, "全省通知", "正文", "33", by: reviewer));
            await Assert.ThrowsAsync<ForbiddenException>(() => Seed.PublishAsync(App, "宁波通知", "正文", "3302", by: reviewer));
            await Assert.ThrowsAsync<ForbiddenException>(() => Seed.PublishAsync(App, "单位通知", "正文", "330106", by: TestUsers.Employer(u.A.Id)));
            await Assert.ThrowsAsync<InputException>(() => Seed.PublishAsync(App, "", "正文", "3"));
        });
    }

    [Test]
    public async Task AUnit_CannotOpenANoticeOfAnotherRegion()
    {
        var u = await Seed.UnitsAsync(App);
        var nb = await Seed.PublishAsync(App, "宁波市通知", "正文", "3302");
        Assert.Multiple(async () =>
        {
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(u.A.Id), new GetNotice(nb)));
            Assert.That((await App.SendAsync(TestUsers.Employer(u.B.Id), new GetNotice(nb))).Title, Is.EqualTo("宁波市通知"));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(u.A.Id), new MarkNoticeRead(nb)));
        });
    }

    [Test]
    public async Task ReadMarks_ArePerAccount_AndTheLatestNotices_PutPinnedFirst()
    {
        var u = await Seed.UnitsAsync(App);
        var now = App.Clock.Now;
        var older = await Seed.PublishAsync(App, "置顶的旧通知", "正文", "33", now.AddDays(-5), pinned: true);
        var newer = await Seed.PublishAsync(App, "新通知", "正文", "3301", now.AddDays(-1));
        await Seed.PublishAsync(App, "宁波通知", "正文", "3302");
        Assert.That(await App.SendAsync(TestUsers.Employer(u.A.Id), new MarkNoticeRead(newer)), Is.True);
        Assert.That(await App.SendAsync(TestUsers.Employer(u.A.Id), new MarkNoticeRead(newer)), Is.False);
        var latestA = await App.SendAsync(TestUsers.Employer(u.A.Id), new GetLatestNotices());
        var latestC = await App.SendAsync(TestUsers.Employer(u.C.Id), new GetLatestNotices());
        Assert.Multiple(() =>
        {
            Assert.That(latestA.Select(n => n.Id), Is.EqualTo(new[] { older, newer }));
            Assert.That(latestA.Select(n => n.Read), Is.EqualTo(new[] { false, true }));
            Assert.That(latestC.Select(n => n.Read), Is.EqualTo(new[] { false, false }));
        });
    }

    [Test]
    public async Task Editing_ChecksTheVersion_AndWithdrawingHidesTheNotice()
    {
        var u = await Seed.UnitsAsync(App);
        var id = await Seed.PublishAsync(App, "原标题", "正文", "3301");
        var n = await App.SendAsync(Seed.Admin, new GetNotice(id));
        var edit = new EditNotice(id, n.Version, "新标题", "新的正文", "3301", n.PublishAt, null, true);
        await App.SendAsync(Seed.Admin, edit);
        Assert.Multiple(async () =>
        {
            await Assert.ThrowsAsync<ConflictException>(() => App.SendAsync(Seed.Admin, edit));
            Assert.That(await TitlesAsync(u.A.Id, "新的"), Is.EqualTo(new[] { "新标题" }));
            Assert.That(await TitlesAsync(u.A.Id, "原标"), Is.Empty);
        });
        Assert.That(await App.SendAsync(TestUsers.Reviewer("3301"), new UnpublishNotice(id)), Is.True);
        Assert.Multiple(async () =>
        {
            Assert.That(await TitlesAsync(u.A.Id, null), Is.Empty);
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(u.A.Id), new GetNotice(id)));
            Assert.That((await App.SendAsync(TestUsers.Reviewer("3301"), new GetManagedNotices(null))).Items.Single().Withdrawn, Is.True);
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Reviewer("3302"), new UnpublishNotice(id)));
        });
    }

    [Test]
    public async Task Attachments_ArePdfJpgOrPng_AndReadableByTheAudience()
    {
        var u = await Seed.UnitsAsync(App);
        var id = await Seed.PublishAsync(App, "附件通知", "正文", "3301");
        var fileId = await App.SendAsync(Seed.Admin, new AddNoticeAttachment(id, new MemoryStream(Seed.Pdf), "说明.pdf"));
        var file = await App.SendAsync(TestUsers.Employer(u.A.Id), new GetNoticeAttachment(id, fileId));
        using var copy = new MemoryStream();
        await file.Content.CopyToAsync(copy);
        await file.Content.DisposeAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(file.ContentType, Is.EqualTo("application/pdf"));
            Assert.That(copy.ToArray(), Is.EqualTo(Seed.Pdf));
            await Assert.ThrowsAsync<InputException>(() => App.SendAsync(Seed.Admin, new AddNoticeAttachment(id, new MemoryStream("not a pdf"u8.ToArray()), "a.pdf")));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(u.B.Id), new GetNoticeAttachment(id, fileId)));
            Assert.That((await App.SendAsync(TestUsers.Employer(u.A.Id), new GetNotice(id))).Attachments.Single().FileName, Is.EqualTo("说明.pdf"));
        });
    }

    [Test]
    public async Task SearchPages_AreConsistent()
    {
        var u = await Seed.UnitsAsync(App);
        for (var i = 0; i < 25; i++) await Seed.PublishAsync(App, $"批量通知{i:00}", "申报事项", "33", App.Clock.Now.AddMinutes(-i));
        var p1 = await App.SendAsync(TestUsers.Employer(u.A.Id), new SearchNotices("申报", 1, 10));
        var p3 = await App.SendAsync(TestUsers.Employer(u.A.Id), new SearchNotices("申报", 3, 10));
        Assert.Multiple(() =>
        {
            Assert.That(p1.Total, Is.EqualTo(25));
            Assert.That(p1.PageCount, Is.EqualTo(3));
            Assert.That(p1.Items.First().Title, Is.EqualTo("批量通知00"));
            Assert.That(p3.Items.Select(i => i.Title), Is.EqualTo(Enumerable.Range(20, 5).Select(i => $"批量通知{i:00}")));
        });
    }
}
