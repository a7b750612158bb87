using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Declaration.BuildingBlocks.Application;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;

namespace Declaration.Host.Web;

/// <summary>
/// Who is asking: the sign-in cookie of the pages (and of their scripts' /api calls, which must carry the antiforgery header), or an
/// integrator's API key (<c>Authorization: Bearer decl_…</c>, /api only, no antiforgery: nothing ambient a foreign page could send).
/// Every cookie carries its account's security stamp, checked on each request (<see cref="ValidateSession"/>, cached briefly per host).
/// </summary>
public static class DeclarationAuthentication
{
    public const string Scheme = "Declaration";

    public static void AddDeclarationAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        var auth = services.AddAuthentication(o =>
            {
                o.DefaultScheme = Scheme;
                o.DefaultChallengeScheme = Scheme;
                o.DefaultSignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            })
            .AddPolicyScheme(Scheme, "Cookie or API key", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? ApiKeyAuthentication.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null)
            .AddCookie(o =>
            {
                o.Cookie.Name = "decl.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.LoginPath = "/Account/Login";
                o.AccessDeniedPath = "/Account/Denied";
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.Events.OnRedirectToLogin = ctx => ApiAware(ctx, 401);
                o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx, 403);
                o.Events.OnValidatePrincipal = ValidateSessionAsync;
            });
        if (!string.IsNullOrWhiteSpace(configuration["Declaration:Oidc:Authority"]))
        {
            // The provincial government-service single sign-on; its subject must be bound to an employer account (OidcBinding, README).
            auth.AddOpenIdConnect(OpenIdConnectDefaults.AuthenticationScheme, "浙江政务服务网", o =>
            {
                o.Authority = configuration["Declaration:Oidc:Authority"];
                o.ClientId = configuration["Declaration:Oidc:ClientId"];
                o.ClientSecret = configuration["Declaration:Oidc:ClientSecret"];
                o.ResponseType = "code";
                o.SaveTokens = false;
                o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.Events.OnTokenValidated = OidcBinding.BindAsync;
            });
        }
    }

    /// <summary>A cookie whose account was disabled, re-bound, given a new role or jurisdiction or a new password ends here.</summary>
    internal static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var valid = false;
        if (Guid.TryParse(principal?.FindFirstValue(ClaimTypes.NameIdentifier), out var accountId)
            && Guid.TryParse(principal?.FindFirstValue(DeclarationClaims.Stamp), out var stamp))
        {
            await using var scope = context.HttpContext.RequestServices.GetRequiredService<IServiceScopeFactory>().CreateSystemScope();
            var state = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ValidateSession(accountId, stamp), context.HttpContext.RequestAborted);
            valid = state.Valid;
        }
        if (!valid)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    private static Task ApiAware(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api"))
        {
            ctx.Response.StatusCode = status;
            return ProblemWriter.WriteAsync(ctx.HttpContext, status, status == 401 ? "请先登录（会话已结束或未登录）" : "您的账号无权执行该操作");
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>Signs the account in with a cookie carrying its security stamp (the login page, the change of password, single sign-on).</summary>
    public static Task SignInAsync(HttpContext context, AccountDto account, Guid stamp, bool mustChangePassword) =>
        context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            DeclarationClaims.Principal(account, stamp, mustChangePassword, CookieAuthenticationDefaults.AuthenticationScheme));
}

/// <summary>
/// <c>Authorization: Bearer decl_&lt;id&gt;.&lt;secret&gt;</c> on /api: the key's account (a revoked or expired key, or a disabled account, is
/// refused at once on the host that made the change, within Declaration:Security:SessionCheckInterval on the others: Units remembers a
/// key in use that long, so most calls open no connection to check it).
/// </summary>
internal sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string KeyIdClaim = "api_key_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        if (!Request.Path.StartsWithSegments("/api")) return AuthenticateResult.Fail("接口密钥只能用于 /api");
        await using var scope = Context.RequestServices.GetRequiredService<IServiceScopeFactory>().CreateSystemScope();
        var identity = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new AuthenticateApiKey(header["Bearer ".Length..].Trim()), Context.RequestAborted);
        if (identity is null) return AuthenticateResult.Fail("接口密钥无效、已过期或已吊销");
        // The account's unit came with the key: the request's first read of it (Units decides there who may see it) takes this one.
        if (identity.Unit is { } unit) Context.RequestServices.GetRequiredService<RequestPreloads>().Add(unit.Id, unit);
        var principal = DeclarationClaims.Principal(identity.Account, Guid.Empty, false, SchemeName);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(KeyIdClaim, identity.KeyId.ToString()));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 401;
        Response.Headers.WWWAuthenticate = "Bearer";
        return ProblemWriter.WriteAsync(Context, 401, "接口密钥无效、已过期或已吊销");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 403;
        return ProblemWriter.WriteAsync(Context, 403, "该接口密钥的账号无权执行该操作");
    }
}

/// <summary>Writes an RFC 7807 problem with a Chinese detail (for refusals made outside the mediator: authentication, antiforgery, rate limits).</summary>
internal static class ProblemWriter
{
    public static Task WriteAsync(HttpContext context, int status, string detail) =>
        context.Response.HasStarted ? Task.CompletedTask : ApiProblems.WriteAsync(context, status, detail);
}
