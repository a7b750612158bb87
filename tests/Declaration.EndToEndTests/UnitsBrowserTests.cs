using System.Text;
using Microsoft.Playwright;

namespace Declaration.EndToEndTests;

/// <summary>Manual chapters 2, 3, 6 and 7 in a real Chromium, with axe on every page.</summary>
public sealed class UnitsBrowserTests
{
    [Test]
    public async Task Clerk_SignsIn_EntersDeclaration_EditsProfile_AndAddsARelatedUnitWithAPdf()
    {
        var page = await Browser.SignedInPageAsync("demo");
        // Chapter 2: the portal.
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "我要申报" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);

        // Chapter 3: 我要申报 opens the 特别提示; 确认 closes it.
        await page.GetByRole(AriaRole.Link, new() { Name = "我要申报" }).ClickAsync();
        var tip = page.GetByRole(AriaRole.Dialog, new() { Name = "特别提示" });
        await Assertions.Expect(tip).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await tip.GetByRole(AriaRole.Button, new() { Name = "确认" }).ClickAsync();
        await Assertions.Expect(tip).ToBeHiddenAsync();

        // Chapter 6: edit the unit profile.
        await page.GetByRole(AriaRole.Navigation, new() { Name = "主导航" }).GetByRole(AriaRole.Link, new() { Name = "单位信息维护管理" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "单位信息维护管理", Level = 1 })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByLabel("经办人", new() { Exact = true }).FillAsync("王小明");
        await page.GetByLabel("经办人电话").FillAsync("13912345678");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "单位信息已保存" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("经办人", new() { Exact = true })).ToHaveValueAsync("王小明");

        // A validation error is shown on the field, accessibly.
        await page.GetByLabel("经办人电话").FillAsync("12345");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("经办人电话应为以1开头的11位手机号码")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GotoAsync("/Unit/Profile");

        // Chapter 7: add a related unit with a PDF.
        await page.GetByRole(AriaRole.Link, new() { Name = "添加", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "添加关联单位" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByLabel("统一社会信用代码").FillAsync("91330106MA2CDE0H8J");
        await page.GetByLabel("单位名称").FillAsync("杭州上级集团有限公司");
        await page.GetByLabel("关联类型").SelectOptionAsync(new SelectOptionValue { Label = "上下级公司" });
        await page.GetByLabel("起始日期").FillAsync("2027-01-01");
        await page.GetByLabel("上传证明材料（选填）").SetInputFilesAsync(new FilePayload
        {
            Name = "上下级关系证明.pdf", MimeType = "application/pdf", Buffer = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();

        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "杭州上级集团有限公司" });
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(row).ToContainTextAsync("上下级公司");
        await Assertions.Expect(row.GetByRole(AriaRole.Link, new() { Name = "上下级关系证明.pdf" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);

        // The change history shows the edits.
        await page.GetByRole(AriaRole.Link, new() { Name = "查看变更记录" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "添加关联单位" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task DeletingARelatedUnit_AsksForConfirmationFirst()
    {
        var page = await Browser.SignedInPageAsync("demo3");
        await page.GotoAsync("/Unit/RelatedUnits/Edit");
        await page.GetByLabel("统一社会信用代码").FillAsync("91330106MA2CDE0J9N");
        await page.GetByLabel("单位名称").FillAsync("待删除的代发公司");
        await page.GetByLabel("关联类型").SelectOptionAsync(new SelectOptionValue { Label = "第三方代发代缴" });
        await page.GetByLabel("起始日期").FillAsync("2027-05-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "删除 待删除的代发公司" }).ClickAsync();
        await Assertions.Expect(page.GetByText("确定要删除关联单位")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "确认删除" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "关联单位已删除" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("待删除的代发公司")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}
