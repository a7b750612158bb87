using System.Net;
using System.Net.Http.Json;
using System.Text;
using Declaration.BuildingBlocks.Application;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Declaration.EndToEndTests;

/// <summary>A unit of its own for AnnualReview's end-to-end tests (no placements: it may certify zero), with its clerk's account.</summary>
internal static class AnnualUnits
{
    private const string Charset = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    private static int _next;

    /// <summary>A credit code with a valid check character (RULES.md §1) in region 330106.</summary>
    private static string CreditCode(int n)
    {
        var body = $"91330106MA2E{n:D5}";
        var sum = body.Select((ch, i) => Charset.IndexOf(ch, StringComparison.Ordinal) * Weights[i]).Sum();
        var c = 31 - sum % 31;
        return body + Charset[c == 31 ? 0 : c];
    }

    public static async Task<(UnitDto Unit, string User)> FreshAsync(string name)
    {
        var n = Interlocked.Increment(ref _next) + Environment.ProcessId % 1000 * 10;
        var code = CreditCode(n);
        var user = $"annual-e2e-{n}";
        await using var scope = E2E.Services.CreateSystemScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var csv = "credit_code,name,unit_type,region_code,federation_code,tax_authority_code,legal_representative,legal_phone,contact_name,contact_mobile,address\n" +
                  $"{code},{name},enterprise,330106,330106,13301060000,法人,0571-87001234,经办人,13800571234,杭州市西湖区\n";
        await sender.Send(new ImportUnits(new MemoryStream(Encoding.UTF8.GetBytes(csv))));
        await sender.Send(new CreateAccount(user, name + "经办人", E2E.Password, Role.Employer, code, null, UpdateIfExists: true));
        return ((await sender.Send(new GetUnitByCreditCode(code)))!, user);
    }
}

/// <summary>Manual chapter 5 steps 6–8 in a real Chromium (axe on every page), and the certificate over HTTP.</summary>
public sealed class AnnualReviewBrowserTests
{
    [Test]
    public async Task Clerk_Certifies_Downloads_AsksToReopen_AndTheReviewerApproves()
    {
        var (unit, user) = await AnnualUnits.FreshAsync("杭州年审浏览器测试有限公司");
        var page = await Browser.SignedInPageAsync(user);

        // 首页: the year's progress.
        await page.GotoAsync("/Unit/Home");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "2025年度年审申报进度" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);

        // Step 6: 年审认证 → read the commitment letter → 确认年审认证.
        await page.GetByRole(AriaRole.Navigation, new() { Name = "主导航" }).GetByRole(AriaRole.Link, new() { Name = "年审认证" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "年审认证", Level = 1 })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Main).GetByRole(AriaRole.Link, new() { Name = "年审认证", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "承诺书全文" })).ToContainTextAsync("杭州年审浏览器测试有限公司");
        await Browser.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "确认年审认证" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("请先勾选");
        await Browser.AssertAccessibleAsync(page);
        await page.GetByLabel("本单位已阅读以上承诺书").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "确认年审认证" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "年审认证已完成" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        var shortCode = (await page.GetByRole(AriaRole.Row).Nth(1).GetByRole(AriaRole.Cell).Nth(1).InnerTextAsync()).Trim();

        // Step 7: 下载年审认证确认书 (the same bytes every time).
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "下载年审认证确认书" }).ClickAsync());
        var first = await File.ReadAllBytesAsync((await download.PathAsync())!);
        using (var session = await HttpSession.SignInAsync(user))
        {
            var again = await session.Client.GetByteArrayAsync($"/api/annual/{unit.Id}/2025/certificate");
            Assert.That(again, Is.EqualTo(first));
        }
        Assert.That(Encoding.ASCII.GetString(first, 0, 5), Is.EqualTo("%PDF-"));

        // The public verification page (no sign-in) says valid.
        var anonymous = await (await E2E.BrowserAsync()).NewContextAsync(new BrowserNewContextOptions { BaseURL = E2E.BaseUrl, Locale = "zh-CN" });
        var verify = await anonymous.NewPageAsync();
        await verify.GotoAsync($"/Verify?code={shortCode}");
        await Assertions.Expect(verify.GetByRole(AriaRole.Heading, new() { Name = "确认书有效" })).ToBeVisibleAsync();
        await Assertions.Expect(verify.GetByRole(AriaRole.Status)).ToContainTextAsync("杭州年审浏览器测试有限公司");
        await Browser.AssertAccessibleAsync(verify);

        // Step 8: 年审认证反馈 (a reason is required).
        await page.GetByRole(AriaRole.Link, new() { Name = "年审认证反馈" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "年审认证反馈（2025 年度）" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "提交申请" }).ClickAsync();
        await Assertions.Expect(page.GetByText("请填写申请重新编辑的原因")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByLabel("申请重新编辑的原因").FillAsync("漏报一名残疾职工，需补充登记");
        await page.GetByRole(AriaRole.Button, new() { Name = "提交申请" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "重新编辑申请已提交" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync("重新编辑申请待审核");
        await Browser.AssertAccessibleAsync(page);

        // The reviewer of 杭州 approves with a comment.
        var reviewer = await Browser.SignedInPageAsync("reviewer");
        await reviewer.GotoAsync("/Review/Annual");
        await Assertions.Expect(reviewer.GetByRole(AriaRole.Heading, new() { Name = "年审认证管理", Level = 1 })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(reviewer);
        var request = reviewer.GetByRole(AriaRole.Article).Filter(new() { HasText = "杭州年审浏览器测试有限公司" });
        await request.GetByLabel("审核意见").FillAsync("同意补充登记");
        await request.GetByRole(AriaRole.Button, new() { Name = "同意重新编辑" }).ClickAsync();
        await Assertions.Expect(reviewer.GetByRole(AriaRole.Status).Filter(new() { HasText = "已同意重新编辑" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(reviewer);

        // The certificate is revoked (and says since when); the unit is back in progress and may certify again.
        await verify.ReloadAsync();
        await Assertions.Expect(verify.GetByRole(AriaRole.Heading, new() { Name = "确认书已撤销" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(verify);
        await page.GotoAsync("/Unit/Annual");
        await Assertions.Expect(page.GetByText("已撤销")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Main).GetByRole(AriaRole.Link, new() { Name = "年审认证", Exact = true })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);

        await anonymous.CloseAsync();
        await reviewer.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task TheDemo_UnitC_IsCertified_AndUnitA_IsStillInProgress()
    {
        // The demo's placements come from Placement's seeder: without the Placement module composed there is nothing to certify.
        await using (var scope = E2E.Services.CreateSystemScope())
        {
            var sender = scope.ServiceProvider.GetRequiredService<ISender>();
            var unitC = (await sender.Send(new GetUnitByCreditCode("91330106MA2CDE0B2R")))!;
            try { await sender.Send(new Declaration.Placement.Contracts.GetPlacementSummary(unitC.Id, 2025)); }
            catch (MissingMessageHandlerException) { Assume.That(false, "the Placement module is not composed in this build"); }
        }
        var c = await Browser.SignedInPageAsync("demo3");
        await c.GotoAsync("/Unit/Annual?year=2025");
        await Assertions.Expect(c.GetByRole(AriaRole.Main)).ToContainTextAsync("已年审认证");
        await Assertions.Expect(c.GetByRole(AriaRole.Link, new() { Name = "下载年审认证确认书" })).ToBeVisibleAsync();
        await Assertions.Expect(c.GetByRole(AriaRole.Link, new() { Name = "年审认证反馈" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(c);

        var a = await Browser.SignedInPageAsync("demo");
        await a.GotoAsync("/Unit/Annual?year=2025");
        await Assertions.Expect(a.GetByRole(AriaRole.Main)).ToContainTextAsync("申报中");
        await Assertions.Expect(a.GetByText("暂不能进行年审认证")).ToBeVisibleAsync();
        await Assertions.Expect(a.GetByRole(AriaRole.Main).GetByRole(AriaRole.Link, new() { Name = "年审认证", Exact = true })).ToHaveCountAsync(0);
        await Browser.AssertAccessibleAsync(a);
        await c.Context.CloseAsync();
        await a.Context.CloseAsync();
    }

    [Test]
    public async Task TheVerificationPage_SaysNotFound_ForAForgedCode()
    {
        var context = await (await E2E.BrowserAsync()).NewContextAsync(new BrowserNewContextOptions { BaseURL = E2E.BaseUrl, Locale = "zh-CN" });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/Verify");
        await Browser.AssertAccessibleAsync(page);
        await page.GetByLabel("核验码").FillAsync("FORGED2345");
        await page.GetByRole(AriaRole.Button, new() { Name = "核验" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "未找到该确认书" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await context.CloseAsync();
    }
}

public sealed class AnnualReviewHttpTests
{
    private sealed record Issued(string CertificateNumber, string ShortCode);

    [Test]
    public async Task AnotherUnit_GetsNotFound_ForTheCertificate_AndTheTaxExportListsTheCertifiedUnit()
    {
        var (unit, user) = await AnnualUnits.FreshAsync("杭州年审接口测试有限公司");
        using var owner = await HttpSession.SignInAsync(user);
        var certify = await owner.Client.PostAsync($"/api/annual/{unit.Id}/2025/certify", null);
        Assert.That(certify.StatusCode, Is.EqualTo(HttpStatusCode.OK), await certify.Content.ReadAsStringAsync());
        var issued = (await certify.Content.ReadFromJsonAsync<Issued>())!;

        using var other = await HttpSession.SignInAsync("demo2");
        using var reviewerNb = await HttpSession.SignInAsync("reviewer-nb");
        using var reviewer = await HttpSession.SignInAsync("reviewer");
        using var anonymous = new HttpSession();
        var again = await owner.Client.PostAsync($"/api/annual/{unit.Id}/2025/certify", null);
        var tax = await reviewer.Client.GetStringAsync("/api/review/annual/2025/tax-export");
        var verified = await anonymous.Client.GetStringAsync($"/api/verify?code={issued.ShortCode}");
        Assert.Multiple(async () =>
        {
            Assert.That((await other.Client.GetAsync($"/api/annual/{unit.Id}/2025/certificate")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That((await other.Client.GetAsync($"/api/annual/{unit.Id}/2025/status")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That((await reviewerNb.Client.GetAsync($"/api/annual/{unit.Id}/2025/certificate")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That((await other.Client.GetAsync("/api/review/annual/2025/tax-export")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That((await anonymous.Client.GetAsync($"/api/annual/{unit.Id}/2025/certificate")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(again.StatusCode, Is.EqualTo((HttpStatusCode)422));
            Assert.That(tax, Does.StartWith("credit_code,unit_name,tax_authority_code,business_year,certified_count,certificate_number,certified_at\n"));
            Assert.That(tax, Does.Contain($"{unit.CreditCode},杭州年审接口测试有限公司,13301060000,2025,0.00,{issued.CertificateNumber},"));
            Assert.That(verified, Does.Contain("\"valid\":true").And.Contain("杭州年审接口测试有限公司"));
        });
    }
}
