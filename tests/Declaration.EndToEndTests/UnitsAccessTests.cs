using System.Net;
using System.Net.Http.Json;
using System.Text;
using Declaration.BuildingBlocks.Application;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.EndToEndTests;

/// <summary>Who may reach which unit resource over HTTP (demo: `demo` is unit A in 西湖, `demo2` unit B in 宁波).</summary>
public sealed class UnitsAccessTests
{
    private static async Task<UnitDto> UnitAsync(string creditCode)
    {
        await using var scope = E2E.Services.CreateSystemScope();
        return (await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetUnitByCreditCode(creditCode)))!;
    }

    /// <summary>Unit B's related unit with an evidence file, created by B's own clerk through the API.</summary>
    private static async Task<(UnitDto B, Guid Related, Guid File)> UnitBResourcesAsync()
    {
        var b = await UnitAsync("91330212MA2CDE0C3Q");
        using var owner = await HttpSession.SignInAsync("demo2");
        var created = await owner.Client.PostAsJsonAsync($"/api/units/{b.Id}/related-units", new
        {
            relatedCreditCode = "91330302MA2CDE0G7Y", relatedName = "温州代发公司", relationType = "payroll_agent",
            validFrom = "2027-01-01", validTo = (string?)null, regionCode = "330302", address = (string?)null, phone = (string?)null,
        });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var related = (await created.Content.ReadFromJsonAsync<IdBody>())!.Id;
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.ASCII.GetBytes("%PDF-1.4\n%%EOF\n")), "file", "协议.pdf" } };
        var upload = await owner.Client.PostAsync($"/api/units/{b.Id}/related-units/{related}/evidence", form);
        Assert.That(upload.StatusCode, Is.EqualTo(HttpStatusCode.Created), await upload.Content.ReadAsStringAsync());
        var file = (await upload.Content.ReadFromJsonAsync<IdBody>())!.Id;
        var own = await owner.Client.GetAsync($"/api/units/{b.Id}/related-units/{related}/evidence/{file}");
        Assert.That(own.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the owner reads its own evidence");
        return (b, related, file);
    }

    private sealed record IdBody(Guid Id);

    [Test]
    public async Task EmployerOfUnitA_GetsNotFound_ForEveryUnitBResource()
    {
        var (b, related, file) = await UnitBResourcesAsync();
        using var a = await HttpSession.SignInAsync("demo");
        var paths = new[]
        {
            $"/api/units/{b.Id}",
            $"/api/units/{b.Id}/history",
            $"/api/units/{b.Id}/related-units",
            $"/api/units/{b.Id}/related-units/{related}/evidence/{file}",
        };
        foreach (var path in paths)
            Assert.That((await a.Client.GetAsync(path)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), path);
        var delete = await a.Client.DeleteAsync($"/api/units/{b.Id}/related-units/{related}?version=1");
        var edit = await a.Client.PutAsJsonAsync($"/api/units/{b.Id}", new { version = 1, name = "侵入", unitType = "enterprise" });
        Assert.Multiple(() =>
        {
            Assert.That(delete.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(edit.StatusCode, Is.EqualTo(HttpStatusCode.NotFound).Or.EqualTo(HttpStatusCode.BadRequest));
        });
        var page = await a.Client.GetAsync($"/Unit/RelatedUnits/Edit?id={related}&handler=Evidence&fileId={file}");
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the page route too");
    }

    [Test]
    public async Task Reviewer_OutsideTheJurisdiction_GetsForbidden_InsideGetsTheUnit()
    {
        var b = await UnitAsync("91330212MA2CDE0C3Q");
        using var hangzhou = await HttpSession.SignInAsync("reviewer");
        using var ningbo = await HttpSession.SignInAsync("reviewer-nb");
        Assert.Multiple(async () =>
        {
            Assert.That((await hangzhou.Client.GetAsync($"/api/units/{b.Id}")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That((await hangzhou.Client.GetAsync($"/api/units/{b.Id}/related-units")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That((await ningbo.Client.GetAsync($"/api/units/{b.Id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
        var list = await hangzhou.Client.GetFromJsonAsync<PagedResult<UnitSummaryDto>>("/api/review/units");
        Assert.That(list!.Items.Select(u => u.FederationCode), Is.All.StartsWith("3301"));
    }

    [Test]
    public async Task Anonymous_IsRedirectedToSignIn_AndTheApiAnswers401()
    {
        using var anonymous = new HttpSession();
        var page = await anonymous.Client.GetAsync("/Unit/Profile");
        var api = await anonymous.Client.GetAsync("/api/units/me");
        Assert.Multiple(() =>
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(page.Headers.Location!.ToString(), Does.Contain("/Account/Login"));
            Assert.That(api.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        });
    }

    [Test]
    public async Task AnEmployer_CannotOpenReviewerOrAdminPages()
    {
        using var a = await HttpSession.SignInAsync("demo");
        var review = await a.Client.GetAsync("/Review/Units");
        var hangfire = await a.Client.GetAsync("/hangfire");
        Assert.Multiple(() =>
        {
            Assert.That(review.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(review.Headers.Location!.ToString(), Does.Contain("/Account/Denied"));
            Assert.That((int)hangfire.StatusCode, Is.EqualTo(401).Or.EqualTo(403));
        });
    }

    [Test]
    public async Task FiveWrongPasswords_LockTheAccount()
    {
        for (var i = 0; i < 5; i++)
        {
            using var s = new HttpSession();
            await s.PostFormAsync("/Account/Login", new() { ["UserName"] = "demo3", ["Password"] = "wrong-password" });
        }
        using var attempt = new HttpSession();
        var response = await attempt.PostFormAsync("/Account/Login", new() { ["UserName"] = "demo3", ["Password"] = E2E.Password });
        var body = await response.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "no redirect: not signed in");
            Assert.That(body, Does.Contain("锁定"));
        });
        // Unlock for other tests: the admin resets the account.
        await using var scope = E2E.Services.CreateSystemScope();
        await scope.ServiceProvider.GetRequiredService<ISender>().Send(new CreateAccount("demo3", "西湖公共服务中心经办人", E2E.Password, Role.Employer, "91330106MA2CDE0B2R", null, UpdateIfExists: true));
    }

    [Test]
    public async Task Responses_CarrySecurityHeaders_AndFormsAntiforgery()
    {
        using var anonymous = new HttpSession();
        var login = await anonymous.Client.GetAsync("/Account/Login");
        var post = await anonymous.Client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string> { ["UserName"] = "demo", ["Password"] = E2E.Password }));
        Assert.Multiple(() =>
        {
            Assert.That(login.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
            Assert.That(login.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("script-src 'self'"));
            Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "a form post without the antiforgery token is refused");
        });
    }
}
