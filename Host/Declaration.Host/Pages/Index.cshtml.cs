using Declaration.Host.Web;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages;

/// <summary>The portal after sign-in (manual chapter 2): 我要申报 / 我要服务 / 残保金计算器. Staff go to the review workbench.</summary>
public sealed class IndexModel : AppPageModel
{
    public IActionResult OnGet() => User.IsInRole("Employer") ? Page() : RedirectToPage("/Review/Index");
}
