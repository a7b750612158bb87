using System.Net;
using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Declaration.EndToEndTests;

/// <summary>
/// An HTTP client with its own cookies, signed in through the real login form (antiforgery included). Like a page's script, it sends
/// the antiforgery token (from <c>GET /api/antiforgery</c>) as the <c>RequestVerificationToken</c> header on every state-changing /api
/// call; <see cref="Raw"/> sends exactly what a test writes (a cross-site form post, a call without the header).
/// </summary>
public sealed partial class HttpSession : IDisposable
{
    private readonly HttpClientHandler _handler = new() { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
    private readonly AntiforgeryHeaderHandler _antiforgery;

    public HttpSession()
    {
        _antiforgery = new AntiforgeryHeaderHandler(_handler);
        Client = new HttpClient(_antiforgery, disposeHandler: false) { BaseAddress = new Uri(E2E.BaseUrl), Timeout = TimeSpan.FromMinutes(3) };
        Raw = new HttpClient(_handler, disposeHandler: false) { BaseAddress = new Uri(E2E.BaseUrl), Timeout = TimeSpan.FromMinutes(3) };
    }

    public HttpClient Client { get; }

    /// <summary>The same cookies, without the antiforgery header.</summary>
    public HttpClient Raw { get; }

    public CookieContainer Cookies => _handler.CookieContainer;

    public static async Task<HttpSession> SignInAsync(string user, string password = E2E.Password)
    {
        var session = new HttpSession();
        var response = await session.PostFormAsync("/Account/Login", new() { ["UserName"] = user, ["Password"] = password });
        // Sign-ins of earlier tests in the same rate-limit window may have used it up: sign in again once it has passed.
        for (var attempt = 0; response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 3; attempt++)
        {
            await Task.Delay(E2E.RateLimitWindow + TimeSpan.FromSeconds(1));
            response = await session.PostFormAsync("/Account/Login", new() { ["UserName"] = user, ["Password"] = password });
        }
        if (response.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"sign-in of {user} failed: {(int)response.StatusCode}");
        session._antiforgery.Forget();
        return session;
    }

    /// <summary>GETs the form page for its antiforgery token, then POSTs the fields to it.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> fields, string? formPage = null)
    {
        var page = await Client.GetStringAsync(formPage ?? path);
        fields["__RequestVerificationToken"] = TokenPattern().Match(page).Groups[1].Value;
        return await Client.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    /// <summary>The antiforgery token of this session (the one a page's script sends).</summary>
    public Task<string> AntiforgeryTokenAsync() => _antiforgery.TokenAsync(CancellationToken.None);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    public void Dispose()
    {
        Client.Dispose();
        Raw.Dispose();
        _antiforgery.Dispose();
        _handler.Dispose();
    }

    private sealed class AntiforgeryHeaderHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private string? _token;

        public void Forget() => _token = null;

        public async Task<string> TokenAsync(CancellationToken ct)
        {
            if (_token is not null) return _token;
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(E2E.BaseUrl), "/api/antiforgery"));
            using var response = await base.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
            using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return _token = json.RootElement.GetProperty("token").GetString()!;
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var method = request.Method;
            if (request.RequestUri!.AbsolutePath.StartsWith("/api/", StringComparison.Ordinal) && method != HttpMethod.Get && method != HttpMethod.Head
                && !request.Headers.Contains("RequestVerificationToken") && request.Headers.Authorization is null)
                request.Headers.Add("RequestVerificationToken", await TokenAsync(ct));
            var response = await base.SendAsync(request, ct);
            // A sign-in, sign-out or password change makes a new user token: fetch it again next time.
            if (request.RequestUri.AbsolutePath.StartsWith("/Account/", StringComparison.OrdinalIgnoreCase) && method == HttpMethod.Post) _token = null;
            return response;
        }
    }
}

/// <summary>Browser helpers: a signed-in page and the axe check every visited page must pass.</summary>
public static class Browser
{
    private static int _shot;

    public static async Task<IPage> SignedInPageAsync(string user, string password = E2E.Password)
    {
        var browser = await E2E.BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = E2E.BaseUrl, Locale = "zh-CN" });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/Account/Login");
        await AssertAccessibleAsync(page);
        // The first sign-in of a run meets a host that is still warming up (and, under ./test, every other test assembly
        // running on the same two cores): allow it longer than a click. Sign-ins of earlier tests in the same rate-limit window
        // may have used it up (the page then says 操作过于频繁): sign in again once the window has passed.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        for (var attempt = 0; ; attempt++)
        {
            await page.GetByLabel("用户名").FillAsync(user);
            await page.GetByLabel("密码").FillAsync(password);
            await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
            while (page.Url.Contains("/Account/Login", StringComparison.Ordinal) && DateTime.UtcNow < deadline
                   && (attempt >= 3 || await page.GetByText("操作过于频繁").CountAsync() == 0))
                await Task.Delay(250);
            if (!page.Url.Contains("/Account/Login", StringComparison.Ordinal) || DateTime.UtcNow >= deadline || attempt >= 3) break;
            await Task.Delay(E2E.RateLimitWindow + TimeSpan.FromSeconds(1));
            await page.GotoAsync("/Account/Login");
        }
        // Then the landing page is there, signed in: waited for by its content (locators poll the page), not by the "load"
        // lifecycle event — Playwright's client has missed that event twice under ./test's load (its log then showed only
        // "NetworkIdle" firing while it waited for "load"), and a first load under the other assemblies can take seconds.
        Assert.That(page.Url, Does.Not.Contain("/Account/Login"), "still on the sign-in page after 90 s");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "退出" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.Locator("footer.site-footer").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        return page;
    }

    /// <summary>axe-core with the WCAG 2.1 A and AA rules: zero violations, or the test fails listing them.</summary>
    public static async Task AssertAccessibleAsync(IPage page)
    {
        // DECLARATION_SCREENSHOTS=<dir> keeps a full-page screenshot of every checked page, to look at the UI as a person would.
        if (Environment.GetEnvironmentVariable("DECLARATION_SCREENSHOTS") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            var name = $"{Interlocked.Increment(ref _shot):D3}-{new Uri(page.Url).AbsolutePath.Trim('/').Replace('/', '_')}.png";
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name), FullPage = true });
        }
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        });
        var violations = result.Violations.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Target?.ToString()))}").ToList();
        Assert.That(violations, Is.Empty, $"axe violations on {page.Url}");
    }
}
