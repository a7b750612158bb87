using System.Security.Claims;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;

namespace Declaration.Host.Web;

/// <summary>Binds an OpenID Connect subject to a local account (the account's user name equals the SSO subject or its credit-code claim).</summary>
internal static class OidcBinding
{
    public static async Task BindAsync(TokenValidatedContext context)
    {
        var subject = context.Principal?.FindFirstValue("credit_code") ?? context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var sender = context.HttpContext.RequestServices.GetRequiredService<ISender>();
        var account = subject is null ? null : await sender.Send(new FindAccount(subject), context.HttpContext.RequestAborted);
        if (account is null)
        {
            context.Fail("该政务服务网账号未绑定本系统账号");
            return;
        }
        context.Principal = DeclarationClaims.Principal(account.Id.ToString(), account.UserName, account.DisplayName, account.Role,
            account.UnitId, account.Jurisdiction, CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
