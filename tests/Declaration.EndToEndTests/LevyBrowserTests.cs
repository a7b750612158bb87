using System.Net;
using System.Text.RegularExpressions;
using Declaration.BuildingBlocks.Application;
using Declaration.LevyCalculator.Contracts;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Declaration.EndToEndTests;

/// <summary>Manual chapter 8 (残保金计算器) in Chromium with axe, and the administrators' parameter page.</summary>
public sealed partial class LevyBrowserTests
{
    [Test]
    public async Task Clerk_CalculatesTheLevy_SeesTheBreakdown_AndFieldErrors()
    {
        var page = await Browser.SignedInPageAsync("demo");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "主导航" }).GetByRole(AriaRole.Link, new() { Name = "残保金计算器" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "残保金计算器", Level = 1 })).ToBeVisibleAsync();
        // Pre-filled from the employer's unit (demo: an enterprise in 西湖区 330106).
        await Assertions.Expect(page.GetByLabel("所属地区（行政区划代码）")).ToHaveValueAsync("330106");
        await Assertions.Expect(page.GetByLabel("单位类型")).ToHaveValueAsync("enterprise");
        await Browser.AssertAccessibleAsync(page);

        // RULES.md §7 "90% tier": H = 31, W = 80,000 (monthly 6,666.67 would not be exact: use the annual field), L = 100,000.
        await page.GetByLabel("业务年度").FillAsync("2024");
        await page.GetByLabel("单位员工数（在职职工年平均人数）").FillAsync("31");
        await page.GetByLabel("单位年平均工资（元）（选填）").FillAsync("80000");
        await page.GetByLabel("当地社会平均工资（元/年）（选填）").FillAsync("100000");
        await page.GetByRole(AriaRole.Button, new() { Name = "计算" }).ClickAsync();
        await Assertions.Expect(page.Locator("#levy-amount")).ToHaveTextAsync("33,480.00");
        await Assertions.Expect(page.Locator("#saving-amount")).ToHaveTextAsync("0.00");
        var breakdown = page.GetByRole(AriaRole.Table, new() { Name = "计算过程" });
        await Assertions.Expect(breakdown.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "应缴费额", Exact = true }) })).ToContainTextAsync("37,200.00");
        await Assertions.Expect(breakdown.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "缴纳比例", Exact = true }) })).ToContainTextAsync("90%");
        await Assertions.Expect(page.GetByText("再全年安置 1 名残疾人，安置比例可达到减半缴纳")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);

        // Monthly wage × 12 and placements: 150 staff, 7,500 a month (90,000 a year), 24 person-months → 11,250.00 (50% tier).
        await page.GetByLabel("单位员工数（在职职工年平均人数）").FillAsync("150");
        await page.GetByLabel("单位年平均工资（元）（选填）").FillAsync("");
        await page.GetByLabel("单位月平均工资（元）（选填）").FillAsync("7500");
        await page.GetByLabel("安置人月数（非重度）（选填）").FillAsync("24");
        await page.GetByRole(AriaRole.Button, new() { Name = "计算" }).ClickAsync();
        await Assertions.Expect(page.Locator("#levy-amount")).ToHaveTextAsync("11,250.00");
        await Assertions.Expect(page.Locator("#saving-amount")).ToHaveTextAsync("171,000.00");

        // A bad number: the message sits on the field and is announced through aria-describedby.
        await page.GetByLabel("单位员工数（在职职工年平均人数）").FillAsync("-5");
        await page.GetByRole(AriaRole.Button, new() { Name = "计算" }).ClickAsync();
        var headcount = page.GetByLabel("单位员工数（在职职工年平均人数）");
        await Assertions.Expect(headcount).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(headcount).ToHaveAttributeAsync("aria-describedby", new Regex("Headcount-error"));
        await Assertions.Expect(page.Locator("#Headcount-error")).ToHaveTextAsync("单位员工数不能为负数");
        await Browser.AssertAccessibleAsync(page);

        // An unknown region is a message on the region field, never an error page.
        await page.GetByLabel("单位员工数（在职职工年平均人数）").FillAsync("31");
        await page.GetByLabel("所属地区（行政区划代码）").FillAsync("110105");
        await page.GetByRole(AriaRole.Button, new() { Name = "计算" }).ClickAsync();
        await Assertions.Expect(page.Locator("#Region-error")).ToContainTextAsync("没有残保金政策参数");
        await Browser.AssertAccessibleAsync(page);
    }

    [Test]
    public async Task Calculator_WorksWithoutJavaScript_AsAPlainGetForm()
    {
        using var session = await HttpSession.SignInAsync("demo3");
        var html = await session.Client.GetStringAsync("/Levy?Year=2024&Region=330106&UnitType=institution&Headcount=30&AnnualWage=80000&PersonMonths=0&SeverePersonMonths=0");
        // A non-enterprise is never exempt: 30 × 1.5% × 80,000 × 90% = 32,400.00.
        Assert.That(html, Does.Contain("<strong id=\"levy-amount\">32,400.00</strong>"));
    }

    [Test]
    public async Task Admin_EditsAParameter_StaleEditGets409_AndTheChangeIsListed()
    {
        int id;
        await using (var scope = E2E.Services.CreateSystemScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = new ExplicitUser("e2e", "测试", Role.Admin);
            id = (await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetLevyParameters(2016))).Single(r => r.RegionCode == "330000").Id;
        }
        var page = await Browser.SignedInPageAsync("admin");
        await page.GotoAsync("/Admin");
        await page.GetByRole(AriaRole.Link, new() { Name = "残保金政策参数" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { NameRegex = new Regex("残保金政策参数（共") })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "修改 2016 年度 330000 的参数" }).ClickAsync();
        await Browser.AssertAccessibleAsync(page);

        // A second administrator loads the same version before the first one saves.
        using var other = await HttpSession.SignInAsync("admin");
        var staleForm = await other.Client.GetStringAsync($"/Admin/LevyParameters?id={id}");
        var version = VersionPattern().Match(staleForm).Groups[1].Value;

        // Validation first: a percentage typed as a whole number.
        await page.GetByLabel("安置比例（小数）").FillAsync("1.5");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        await Assertions.Expect(page.Locator("#Input_QuotaRatio-error")).ToContainTextAsync("0.015");
        await Browser.AssertAccessibleAsync(page);
        await page.GetByLabel("安置比例（小数）").FillAsync("0.015");
        await page.GetByLabel("当地社会平均工资（元/年）（选填）").FillAsync("52000");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已保存2016年度地区 330000");
        var changes = page.GetByRole(AriaRole.Table, new() { NameRegex = new Regex("参数修改记录") });
        await Assertions.Expect(changes.GetByRole(AriaRole.Row).Nth(1)).ToContainTextAsync("修改残保金政策参数");
        await Assertions.Expect(changes.GetByRole(AriaRole.Row).Nth(1)).ToContainTextAsync("52000");
        await Browser.AssertAccessibleAsync(page);

        var stale = await other.PostFormAsync("/Admin/LevyParameters", new()
        {
            ["Input.Id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Input.Version"] = version,
            ["Input.BusinessYear"] = "2016", ["Input.RegionCode"] = "330000", ["Input.QuotaRatio"] = "0.015", ["Input.LocalAverageWage"] = "99999",
            ["Input.CapMultiple"] = "3", ["Input.CapFromYear"] = "2015", ["Input.ExemptionThreshold"] = "30", ["Input.ExemptionFromYear"] = "2017",
            ["Input.TierRatioThreshold"] = "0.01", ["Input.TierShareAtOrAbove"] = "0.5", ["Input.TierShareBelow"] = "0.9",
        }, $"/Admin/LevyParameters?id={id}");
        var staleBody = await stale.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(staleBody, Does.Contain("已被他人修改"));
        });

        // The add form opens pre-filled from the province row (no year, no local average wage).
        var addForm = await other.Client.GetStringAsync("/Admin/LevyParameters?add=true");
        Assert.That(addForm, Does.Contain("新增参数").And.Contain("name=\"Input.RegionCode\" type=\"text\" value=\"330000\""));

        // Employers cannot reach the page.
        using var clerk = await HttpSession.SignInAsync("demo");
        var denied = await clerk.Client.GetAsync("/Admin/LevyParameters");
        Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(denied.Headers.Location?.ToString(), Does.Contain("/Account/Denied"));
    }

    [GeneratedRegex("name=\"Input.Version\" value=\"(\\d+)\"")]
    private static partial Regex VersionPattern();
}
