using Declaration.Host.Web;
using Declaration.Units.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Account;

public sealed class LoginModel(IConfiguration configuration) : AppPageModel
{
    [BindProperty] public string? UserName { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    public bool OidcEnabled => !string.IsNullOrWhiteSpace(configuration["Declaration:Oidc:Authority"]);

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        if (string.IsNullOrWhiteSpace(UserName) || string.IsNullOrEmpty(Password))
        {
            ErrorMessage = "请输入用户名和密码";
            return Page();
        }
        Declaration.Units.Contracts.SignInResult result;
        try
        {
            result = await Sender.Send(new SignIn(UserName, Password));
        }
        catch (Declaration.BuildingBlocks.Errors.InputException)
        {
            ErrorMessage = "用户名或密码包含不允许的字符（控制字符或过长的内容）";
            return Page();
        }
        if (result.Account is not { } account)
        {
            ErrorMessage = result.Error;
            return Page();
        }
        await DeclarationAuthentication.SignInAsync(HttpContext, account, result.SecurityStamp, result.MustChangePassword);
        if (result.MustChangePassword) return RedirectToPage("/Account/Password");
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
