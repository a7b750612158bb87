using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Testing;
using Declaration.Notices.Contracts;
using Microsoft.Extensions.DependencyInjection;
using static Declaration.Notices.Tests.NoticesFixture;

namespace Declaration.Notices.Tests;

/// <summary>
/// The notice listings are cached per audience (issue 14) and never shown stale: every committed change to a listed notice moves the
/// listing version, whoever makes it (a command here, or another host's statement), and read marks stay the reader's own.
/// </summary>
public sealed class ListingCacheTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static Task<int> SqlAsync(string sql, object? param = null) => App.InScopeAsync(TestUsers.System, sp =>
        sp.GetRequiredService<IDbSession>().ExecuteAsync(sql, param, CancellationToken.None));

    private static async Task<IReadOnlyList<NoticeListItemDto>> ItemsAsync(Guid unitId, string? keyword) =>
        (await App.SendAsync(TestUsers.Employer(unitId), new SearchNotices(keyword))).Items;

    [Test]
    public async Task AListing_IsServedFromTheCache_UntilAnyChangeIsCommitted()
    {
        var u = await Seed.UnitsAsync(App);
        var first = await Seed.PublishAsync(App, "联网认证通知", "正文", "33");
        var before = await ItemsAsync(u.A.Id, "联网");

        // A change made with the triggers switched off (which moves no version) stays unseen: the listing comes from the cache.
        await SqlAsync("""
            ALTER TABLE notices.notice DISABLE TRIGGER notice_listing_changed;
            UPDATE notices.notice SET title = '暗改的标题' WHERE id = @first;
            ALTER TABLE notices.notice ENABLE TRIGGER notice_listing_changed;
            """, new { first });
        var cached = await ItemsAsync(u.A.Id, "联网");

        // Any normal statement moves the version: a new notice through the command, then an edit as another host would make it.
        await Seed.PublishAsync(App, "联网数据更新", "正文", "3301");
        var afterPublish = await ItemsAsync(u.A.Id, "联网");
        await SqlAsync("UPDATE notices.notice SET title = '另一主机改的标题' WHERE id = @first", new { first });
        var afterEdit = await ItemsAsync(u.A.Id, "联网");

        // Read marks are the reader's own, on a cached page too; an attachment changes the count; withdrawal hides the notice.
        await App.SendAsync(TestUsers.Employer(u.A.Id), new MarkNoticeRead(first));
        var readByA = await ItemsAsync(u.A.Id, "联网");
        var readByC = await ItemsAsync(u.C.Id, "联网");
        await App.SendAsync(Seed.Admin, new AddNoticeAttachment(first, new MemoryStream(Seed.Pdf), "说明.pdf"));
        var withAttachment = await ItemsAsync(u.A.Id, "联网");
        await App.SendAsync(Seed.Admin, new UnpublishNotice(first));
        var afterWithdraw = await ItemsAsync(u.A.Id, "联网");
        var latest = await App.SendAsync(TestUsers.Employer(u.A.Id), new GetLatestNotices());

        Assert.Multiple(() =>
        {
            Assert.That(before.Select(i => i.Title), Is.EqualTo(new[] { "联网认证通知" }));
            Assert.That(cached.Select(i => i.Title), Is.EqualTo(new[] { "联网认证通知" }), "served from the cache");
            Assert.That(afterPublish.Select(i => i.Title), Is.EquivalentTo(new[] { "暗改的标题", "联网数据更新" }));
            Assert.That(afterEdit.Select(i => i.Title), Does.Contain("另一主机改的标题"));
            Assert.That(readByA.Single(i => i.Id == first).Read, Is.True);
            Assert.That(readByC.Single(i => i.Id == first).Read, Is.False);
            Assert.That(withAttachment.Single(i => i.Id == first).AttachmentCount, Is.EqualTo(1));
            Assert.That(afterWithdraw.Select(i => i.Id), Does.Not.Contain(first));
            Assert.That(latest.Select(n => n.Title), Is.EqualTo(new[] { "联网数据更新" }));
        });
    }

    [Test]
    public async Task EmptiedTables_NeverRepeatAVersion_SoNoHostServesAListingFromBeforeTheTruncate()
    {
        var u = await Seed.UnitsAsync(App);
        await Seed.PublishAsync(App, "旧通知", "正文", "33");
        var before = await ItemsAsync(u.A.Id, null);
        await SqlAsync("TRUNCATE notices.notice, notices.listing_version CASCADE");
        await Seed.PublishAsync(App, "新通知", "正文", "33");
        var after = await ItemsAsync(u.A.Id, null);
        Assert.Multiple(() =>
        {
            Assert.That(before.Select(i => i.Title), Is.EqualTo(new[] { "旧通知" }));
            Assert.That(after.Select(i => i.Title), Is.EqualTo(new[] { "新通知" }));
        });
    }
}
