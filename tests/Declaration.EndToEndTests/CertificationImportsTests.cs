using System.Net;
using System.Text;
using Microsoft.Playwright;

namespace Declaration.EndToEndTests;

/// <summary>The admin import page: a background import with progress, the result, a rejected file's line-numbered errors, the history.</summary>
public sealed class CertificationImportsTests
{
    [Test]
    public async Task Admin_UploadsLinkageFiles_SeesTheResult_TheRejectedFilesErrors_AndTheHistory()
    {
        var page = await Browser.SignedInPageAsync("admin");
        await page.GotoAsync("/Admin/Imports");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "数据导入", Level = 1 })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);

        await page.GetByLabel("导入类型").SelectOptionAsync("minimum-wages");
        await page.GetByLabel("CSV文件").SetInputFilesAsync(new FilePayload
        {
            Name = "最低工资.csv", MimeType = "text/csv",
            Buffer = Encoding.UTF8.GetBytes("region_code,effective_from,monthly_minimum\n330300,2025-01-01,2490\n330400,2025-01-01,2490\n"),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "开始导入" }).ClickAsync();
        var success = page.GetByRole(AriaRole.Status).Filter(new() { HasText = "导入成功" });
        await Assertions.Expect(success).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(success).ToContainTextAsync("共 2 行");
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "minimum-wages" }).First).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);

        await page.GetByLabel("导入类型").SelectOptionAsync("certificates");
        await page.GetByLabel("CSV文件").SetInputFilesAsync(new FilePayload
        {
            Name = "残疾人证.csv", MimeType = "text/csv",
            Buffer = Encoding.UTF8.GetBytes("id_number,name,certificate_type,certificate_number,category,level,issued_on,valid_until,revoked_on\n" +
                "330106198506120015,张伟,disability,33010619850612001542,4,2,2015-03-01,,\n" +
                "330106198506120016,错号,disability,33010619850612001642,4,2,2015-03-01,,\n"),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "开始导入" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "未导入" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "第3行，列 id_number" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task TheImportPage_IsForAdminsOnly()
    {
        using var employer = await HttpSession.SignInAsync("demo");
        using var reviewer = await HttpSession.SignInAsync("reviewer");
        var byEmployer = await employer.Client.GetAsync("/Admin/Imports");
        var byReviewer = await reviewer.Client.GetAsync("/Admin/Imports");
        Assert.Multiple(() =>
        {
            Assert.That(byEmployer.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(byEmployer.Headers.Location!.ToString(), Does.Contain("/Account/Denied"));
            Assert.That(byReviewer.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(byReviewer.Headers.Location!.ToString(), Does.Contain("/Account/Denied"));
        });
    }
}

/// <summary>The reviewers' JSON API is for staff only and scoped to the reviewer's jurisdiction.</summary>
public sealed class CertificationApiTests
{
    [Test]
    public async Task ReviewQueue_ForReviewers_NotForEmployers()
    {
        using var reviewer = await HttpSession.SignInAsync("reviewer");
        using var employer = await HttpSession.SignInAsync("demo");
        var queue = await reviewer.Client.GetAsync("/api/review/queue?kind=Disputed&year=2025");
        var denied = await employer.Client.GetAsync("/api/review/queue");
        var missing = await reviewer.Client.GetAsync($"/api/review/placements/{Guid.NewGuid()}");
        Assert.Multiple(async () =>
        {
            Assert.That(queue.StatusCode, Is.EqualTo(HttpStatusCode.OK), await queue.Content.ReadAsStringAsync());
            Assert.That(await queue.Content.ReadAsStringAsync(), Does.Contain("\"items\""));
            Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }
}
