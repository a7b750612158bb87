using System.Security.Claims;
using Declaration.BuildingBlocks.Application;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;

namespace Declaration.Host.Web;

/// <summary>
/// Turns the provider's sign-in into an employer account's session through the explicit binding table (subject → account): an
/// admin's binding, or at a first sign-in the unit whose credit code the provider vouches for (<see cref="ResolveSsoSignIn"/>).
/// A subject equal to a local user name means nothing; staff accounts never sign in this way.
/// </summary>
internal static class OidcBinding
{
    public static async Task BindAsync(TokenValidatedContext context)
    {
        var principal = context.Principal;
        var subject = principal?.FindFirstValue("sub") ?? principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var issuer = principal?.FindFirstValue("iss") ?? principal?.Claims.FirstOrDefault()?.Issuer ?? context.Options.Authority ?? string.Empty;
        if (string.IsNullOrEmpty(subject))
        {
            context.Fail("政务服务网未提供账号标识");
            return;
        }
        await using var scope = context.HttpContext.RequestServices.GetRequiredService<IServiceScopeFactory>().CreateSystemScope();
        var result = await scope.ServiceProvider.GetRequiredService<ISender>()
            .Send(new ResolveSsoSignIn(issuer, subject, principal?.FindFirstValue("credit_code")), context.HttpContext.RequestAborted);
        if (result.Account is not { } account)
        {
            context.Fail(result.Error ?? "该政务服务网账号未绑定本系统账号");
            return;
        }
        context.Principal = DeclarationClaims.Principal(account, result.SecurityStamp, false, CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
