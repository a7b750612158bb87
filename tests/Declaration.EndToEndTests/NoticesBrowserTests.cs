using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Declaration.EndToEndTests;

/// <summary>Manual chapters 4 (首页) and 9 (通知公告) in a real Chromium, with axe on every page (demo data of seed-demo).</summary>
public sealed partial class NoticesBrowserTests
{
    [GeneratedRegex(@"^\d{4}年度年审申报进度$")]
    private static partial Regex ProgressHeading();

    [Test]
    public async Task TheHomePage_ShowsTheTip_TheDashboard_TheNotices_AndSavesTheWorkforce()
    {
        var page = await Browser.SignedInPageAsync("demo");
        await page.GetByRole(AriaRole.Link, new() { Name = "我要申报" }).ClickAsync();
        var tip = page.GetByRole(AriaRole.Dialog, new() { Name = "特别提示" });
        await Assertions.Expect(tip).ToBeVisibleAsync();
        await tip.GetByRole(AriaRole.Button, new() { Name = "确认" }).ClickAsync();
        await Assertions.Expect(tip).ToBeHiddenAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { NameRegex = ProgressHeading() })).ToBeVisibleAsync();
        var notices = page.GetByRole(AriaRole.Complementary, new() { Name = "通知公告" });
        await Assertions.Expect(notices.GetByRole(AriaRole.Link, new() { Name = "关于做好2025年度残疾人按比例就业情况联网认证工作的通知" })).ToBeVisibleAsync();
        await Assertions.Expect(notices.GetByRole(AriaRole.Link, new() { Name = "杭州市2025年度按比例就业年审业务咨询电话" })).ToBeVisibleAsync();
        await Assertions.Expect(notices.GetByText("宁波市2025年度按比例就业年审工作安排")).ToHaveCountAsync(0);
        await Browser.AssertAccessibleAsync(page);

        await page.GetByLabel("在职职工人数（年平均，人）").FillAsync("150");
        await page.GetByLabel("在职职工年平均工资（元）").FillAsync("90000");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存并测算" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "在职职工人数和年平均工资" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("在职职工人数（年平均，人）")).ToHaveValueAsync("150");
        await Browser.AssertAccessibleAsync(page);

        // An invalid figure is reported on its field, accessibly.
        await page.GetByLabel("在职职工人数（年平均，人）").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存并测算" }).ClickAsync();
        await Assertions.Expect(page.GetByText("在职职工人数应大于0")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);

        // Switching the year: an earlier year has its own (empty) figures.
        await page.GetByLabel("业务年度", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Index = 2 });
        await page.GetByRole(AriaRole.Button, new() { Name = "切换" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("在职职工人数（年平均，人）")).ToHaveValueAsync("");
        await Browser.AssertAccessibleAsync(page);
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task TheNoticesList_SearchesByKeyword_AndOpensTheDetail()
    {
        var page = await Browser.SignedInPageAsync("demo");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "主导航" }).GetByRole(AriaRole.Link, new() { Name = "通知公告" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "通知公告", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "宁波市2025年度按比例就业年审工作安排" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "2024年度年审认证工作已结束的公告" })).ToHaveCountAsync(0);
        await Browser.AssertAccessibleAsync(page);

        await page.GetByLabel("输入关键字").FillAsync("咨询");
        await page.GetByRole(AriaRole.Button, new() { Name = "搜索" }).ClickAsync();
        var rows = page.GetByRole(AriaRole.Table).GetByRole(AriaRole.Row);
        await Assertions.Expect(rows).ToHaveCountAsync(3); // header + two notices
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "杭州市2025年度按比例就业年审业务咨询电话" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);

        await page.GetByLabel("输入关键字").FillAsync("没有这个词语");
        await page.GetByRole(AriaRole.Button, new() { Name = "搜索" }).ClickAsync();
        await Assertions.Expect(page.GetByText("没有找到包含“没有这个词语”的通知公告。")).ToBeVisibleAsync();

        await page.GotoAsync("/Notices?q=" + Uri.EscapeDataString("系统维护"));
        var dialogs = 0;
        page.Dialog += (_, d) => { dialogs++; _ = d.DismissAsync(); };
        await page.GetByRole(AriaRole.Link, new() { Name = "系统维护通知：按比例就业申报系统将于周六凌晨维护" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("系统维护通知");
        await Assertions.Expect(page.Locator(".notice-body")).ToContainTextAsync("<script>alert('演示：脚本不会执行')</script>");
        await Assertions.Expect(page.Locator(".notice-body script")).ToHaveCountAsync(0);
        await Browser.AssertAccessibleAsync(page);
        Assert.That(dialogs, Is.Zero, "the script in the notice never ran");

        await page.GotoAsync("/Notices");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "系统维护通知" });
        await Assertions.Expect(row.GetByText("已读")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "关于做好2025年度残疾人按比例就业情况联网认证工作的通知" }).ClickAsync();
        await Assertions.Expect(page.Locator(".notice-body strong").First).ToHaveTextAsync("联网认证");
        await Assertions.Expect(page.Locator(".notice-body table")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task AReviewer_PublishesANotice_ThatUnitsOfItsRegionSee()
    {
        var page = await Browser.SignedInPageAsync("reviewer");
        await page.GotoAsync("/Review/Notices");
        await Browser.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "发布通知公告" }).ClickAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByLabel("标题").FillAsync("杭州市关于补充材料的浏览器测试通知");
        await page.GetByLabel("正文").FillAsync("请各单位**及时**补充材料。");
        await page.GetByLabel("发布范围（行政区划代码前缀）").FillAsync("33");
        await page.GetByRole(AriaRole.Button, new() { Name = "发布" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("提交的信息有误");
        await Assertions.Expect(page.GetByText("只能向您的管辖范围（3301）内发布通知公告")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByLabel("发布范围（行政区划代码前缀）").FillAsync("3301");
        await page.GetByRole(AriaRole.Button, new() { Name = "发布" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "通知公告已发布" })).ToBeVisibleAsync();
        await page.Context.CloseAsync();

        var unit = await Browser.SignedInPageAsync("demo");
        await unit.GotoAsync("/Notices?q=" + Uri.EscapeDataString("补充材料"));
        await Assertions.Expect(unit.GetByRole(AriaRole.Link, new() { Name = "杭州市关于补充材料的浏览器测试通知" })).ToBeVisibleAsync();
        await unit.Context.CloseAsync();
        var ningbo = await Browser.SignedInPageAsync("demo2");
        await ningbo.GotoAsync("/Notices?q=" + Uri.EscapeDataString("补充材料"));
        await Assertions.Expect(ningbo.GetByRole(AriaRole.Link, new() { Name = "杭州市关于补充材料的浏览器测试通知" })).ToHaveCountAsync(0);
        await ningbo.Context.CloseAsync();
    }

    [Test]
    public async Task TheAdmin_ListsTheTextMessages()
    {
        var page = await Browser.SignedInPageAsync("admin");
        await page.GotoAsync("/Admin/Sms");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "短信通知记录" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "通知公告", Exact = true }).First).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        // The case messages seeded for unit A are older than the notices' ones: page on to them.
        for (var i = 0; i < 10 && await page.GetByRole(AriaRole.Cell, new() { Name = "安置信息退回" }).CountAsync() == 0; i++)
            await page.GetByRole(AriaRole.Link, new() { Name = "下一页" }).ClickAsync();
        var returned = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "安置信息退回" }).First;
        await Assertions.Expect(returned).ToContainTextAsync("138****1234");
        await Assertions.Expect(returned).ToContainTextAsync("赵*");
        await Assertions.Expect(returned).ToContainTextAsync("已发送");
        await page.Context.CloseAsync();
    }
}
