using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Declaration.Host.Pages.Account;

/// <summary>Starts the government-service single sign-on when it is configured.</summary>
public sealed class SsoModel(IConfiguration configuration) : PageModel
{
    public IActionResult OnGet() => string.IsNullOrWhiteSpace(configuration["Declaration:Oidc:Authority"])
        ? NotFound()
        : Challenge(new AuthenticationProperties { RedirectUri = "/" }, OpenIdConnectDefaults.AuthenticationScheme);
}
