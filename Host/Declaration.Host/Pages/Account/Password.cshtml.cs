using System.Security.Claims;
using Declaration.BuildingBlocks.Application;
using Declaration.Host.Web;
using Declaration.Units.Contracts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Account;

/// <summary>Every signed-in user changes their own password here (first, when signed in with a temporary one). Other sessions end.</summary>
[Authorize]
public sealed class PasswordModel : AppPageModel
{
    public sealed class PasswordInput
    {
        public string? CurrentPassword { get; set; }
        public string? NewPassword { get; set; }
        public string? ConfirmPassword { get; set; }
    }

    [BindProperty] public PasswordInput Input { get; set; } = new();
    public bool MustChange => User.FindFirstValue(DeclarationClaims.MustChangePassword) == "1";

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        if (Input.NewPassword != Input.ConfirmPassword)
        {
            ModelState.AddModelError("Input.ConfirmPassword", "两次输入的新密码不一致");
            ErrorMessage = "提交的信息有误，请按提示修改";
            return Page();
        }
        PasswordChanged? changed = null;
        if (!await TryAsync(async () => changed = await Sender.Send(new ChangeOwnPassword(Input.CurrentPassword ?? "", Input.NewPassword ?? ""))))
            return Page();
        var account = new AccountDto(Guid.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier)!), User.Identity!.Name!, User.FindFirstValue(ClaimTypes.GivenName)!,
            Enum.Parse<Role>(User.FindFirstValue(ClaimTypes.Role)!), Guid.TryParse(User.FindFirstValue(DeclarationClaims.UnitId), out var unit) ? unit : null,
            User.FindFirstValue(DeclarationClaims.Jurisdiction));
        await DeclarationAuthentication.SignInAsync(HttpContext, account, changed!.SecurityStamp, mustChangePassword: false);
        Flash = "密码已修改";
        return RedirectToPage("/Account/Password");
    }
}
