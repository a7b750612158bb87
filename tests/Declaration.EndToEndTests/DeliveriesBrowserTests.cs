using System.Net;
using Microsoft.Playwright;

namespace Declaration.EndToEndTests;

/// <summary>事件投递与数据一致性 (issue 10): the admin's page of deliveries and the consistency check of the demo data; admins only.</summary>
public sealed class DeliveriesBrowserTests
{
    [Test]
    public async Task TheAdmin_SeesTheDeliveries_AndChecksTheConsistencyOfTheDemoData()
    {
        var page = await Browser.SignedInPageAsync("admin");
        await page.GotoAsync("/Admin");
        await page.GetByRole(AriaRole.Link, new() { Name = "事件投递与数据一致性" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "事件投递与数据一致性", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Rowheader, new() { Name = "安置" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("没有失败或搁置的投递。")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "开始核对" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("各模块数据一致");
        await Browser.AssertAccessibleAsync(page);
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task AClerkOrAReviewer_CannotOpenIt()
    {
        foreach (var user in new[] { "demo", "reviewer" })
        {
            using var session = await HttpSession.SignInAsync(user);
            var response = await session.Client.GetAsync("/Admin/Deliveries");
            Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.Forbidden, HttpStatusCode.Redirect), user);
            if (response.StatusCode == HttpStatusCode.Redirect)
                Assert.That(response.Headers.Location!.ToString(), Does.Contain("/Account/Denied"), user);
        }
    }
}
