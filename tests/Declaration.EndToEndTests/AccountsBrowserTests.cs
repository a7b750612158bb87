using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Declaration.EndToEndTests;

/// <summary>The administrator's account pages and the unit's registry-change request, in a real Chromium with axe on every page.</summary>
public sealed partial class AccountsBrowserTests
{
    [GeneratedRegex("临时密码：\\s*(\\S+)")]
    private static partial Regex TemporaryPassword();

    [Test]
    public async Task Admin_CreatesAReviewer_WhoMustChangeTheTemporaryPassword_ThenWorks_AndIsDisabledLater()
    {
        var name = $"rev-browser-{Environment.ProcessId % 10000}";
        var admin = await Browser.SignedInPageAsync("admin");
        await admin.GotoAsync("/Admin");
        await admin.GetByRole(AriaRole.Link, new() { Name = "账号管理（创建、绑定单位、停用、重置密码、政务服务网绑定、接口密钥）" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "账号管理", Level = 1 })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(admin);

        // A reviewer without a jurisdiction is refused on its field.
        await admin.GetByLabel("用户名").FillAsync(name);
        await admin.GetByLabel("姓名或名称").FillAsync("湖州市残联审核员");
        await admin.GetByLabel("角色").SelectOptionAsync(new SelectOptionValue { Label = "残联审核人员" });
        await admin.GetByRole(AriaRole.Button, new() { Name = "创建账号" }).ClickAsync();
        await Assertions.Expect(admin.GetByText("审核人员须有管辖区划前缀")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(admin);
        await admin.GetByLabel("管辖区划前缀").FillAsync("3305");
        await admin.GetByRole(AriaRole.Button, new() { Name = "创建账号" }).ClickAsync();
        var created = admin.GetByRole(AriaRole.Status).Filter(new() { HasText = "临时密码" });
        await Assertions.Expect(created).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(admin);
        var temporary = TemporaryPassword().Match(await created.InnerTextAsync()).Groups[1].Value;
        Assert.That(temporary, Has.Length.EqualTo(14));

        // First sign-in with the temporary password: nothing but the change of password.
        var reviewer = await Browser.SignedInPageAsync(name, temporary);
        await Assertions.Expect(reviewer.GetByRole(AriaRole.Heading, new() { Name = "修改密码", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(reviewer.GetByText("您正在使用临时密码登录")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(reviewer);
        await reviewer.GotoAsync("/Review");
        await Assertions.Expect(reviewer.GetByRole(AriaRole.Heading, new() { Name = "修改密码", Level = 1 })).ToBeVisibleAsync();
        await reviewer.GetByLabel("当前密码").FillAsync(temporary);
        await reviewer.GetByLabel("新密码", new() { Exact = true }).FillAsync("weak");
        await reviewer.GetByLabel("再次输入新密码").FillAsync("weak");
        await reviewer.GetByRole(AriaRole.Button, new() { Name = "保存新密码" }).ClickAsync();
        await Assertions.Expect(reviewer.GetByText("密码至少8位")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(reviewer);
        await reviewer.GetByLabel("当前密码").FillAsync(temporary);
        await reviewer.GetByLabel("新密码", new() { Exact = true }).FillAsync("Huzhou@2026x");
        await reviewer.GetByLabel("再次输入新密码").FillAsync("Huzhou@2026x");
        await reviewer.GetByRole(AriaRole.Button, new() { Name = "保存新密码" }).ClickAsync();
        await Assertions.Expect(reviewer.GetByRole(AriaRole.Status).Filter(new() { HasText = "密码已修改" })).ToBeVisibleAsync();
        await reviewer.GotoAsync("/Review");
        await Assertions.Expect(reviewer.GetByText("区划前缀 3305")).ToBeVisibleAsync();

        // The admin disables the account: the reviewer's next page is the sign-in page.
        await admin.GotoAsync("/Admin/Accounts?q=" + name);
        await admin.GetByRole(AriaRole.Link, new() { Name = "管理 " + name }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "账号：" + name })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(admin);
        admin.Dialog += (_, dialog) => dialog.AcceptAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "停用账号" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status).Filter(new() { HasText = "账号已停用" })).ToBeVisibleAsync();
        await reviewer.GotoAsync("/Review/Units");
        await Assertions.Expect(reviewer).ToHaveURLAsync(new Regex("/Account/Login"));
        await admin.Context.CloseAsync();
        await reviewer.Context.CloseAsync();
    }

    [Test]
    public async Task TheUnit_AsksToChangeItsRegistryFacts_AndItsReviewerApproves()
    {
        var (unit, user) = await AnnualUnits.FreshAsync("杭州登记变更浏览器测试有限公司");
        var clerk = await Browser.SignedInPageAsync(user);
        await clerk.GotoAsync("/Unit/Profile");
        await Assertions.Expect(clerk.GetByRole(AriaRole.Heading, new() { Name = "登记信息" })).ToBeVisibleAsync();
        await Assertions.Expect(clerk.GetByLabel("残联主管部门（区划代码）")).ToHaveCountAsync(0);
        await clerk.GetByRole(AriaRole.Link, new() { Name = "申请变更登记信息" }).ClickAsync();
        await Assertions.Expect(clerk.GetByRole(AriaRole.Heading, new() { Name = "申请变更登记信息", Level = 1 })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(clerk);
        await clerk.GetByLabel("单位所属行政区（区划代码）").FillAsync("330108");
        await clerk.GetByLabel("残联主管部门（区划代码）").FillAsync("330108");
        await clerk.GetByRole(AriaRole.Button, new() { Name = "提交申请" }).ClickAsync();
        await Assertions.Expect(clerk.GetByText("请填写变更原因")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(clerk);
        await clerk.GetByLabel("变更原因").FillAsync("税务关系已迁至滨江区");
        await clerk.GetByRole(AriaRole.Button, new() { Name = "提交申请" }).ClickAsync();
        await Assertions.Expect(clerk.GetByRole(AriaRole.Status).Filter(new() { HasText = "变更申请已提交" })).ToBeVisibleAsync();
        await Assertions.Expect(clerk.GetByRole(AriaRole.Cell, new() { Name = "待审核" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(clerk);

        var reviewer = await Browser.SignedInPageAsync("reviewer");
        await reviewer.GotoAsync("/Review/RegistryChanges");
        await Browser.AssertAccessibleAsync(reviewer);
        var request = reviewer.GetByRole(AriaRole.Article).Filter(new() { HasText = "杭州登记变更浏览器测试有限公司" });
        await request.GetByLabel("审核意见").FillAsync("已核实税务登记");
        await request.GetByRole(AriaRole.Button, new() { Name = "批准变更" }).ClickAsync();
        await Assertions.Expect(reviewer.GetByRole(AriaRole.Status).Filter(new() { HasText = "已批准变更" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(reviewer);

        await clerk.GotoAsync("/Unit/Profile");
        await Assertions.Expect(clerk.GetByRole(AriaRole.Main)).ToContainTextAsync("330108");
        await clerk.GotoAsync("/Unit/RegistryChange");
        await Assertions.Expect(clerk.GetByRole(AriaRole.Cell, new() { Name = "已批准" })).ToBeVisibleAsync();
        await Assertions.Expect(clerk.GetByRole(AriaRole.Cell, new() { Name = "已核实税务登记" })).ToBeVisibleAsync();
        await clerk.Context.CloseAsync();
        await reviewer.Context.CloseAsync();
    }
}
