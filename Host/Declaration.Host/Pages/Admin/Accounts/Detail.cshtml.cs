using System.Globalization;
using Declaration.BuildingBlocks.Application;
using Declaration.Host.Web;
using Declaration.Units.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Admin.Accounts;

/// <summary>One account: name and rights, enable/disable, password reset (temporary password shown once), SSO bindings, API keys.</summary>
public sealed class DetailModel(IConfiguration configuration) : AppPageModel
{
    public sealed class AccountInput
    {
        public int Version { get; set; }
        public string? DisplayName { get; set; }
        public string? Role { get; set; }
        public string? CreditCode { get; set; }
        public string? Jurisdiction { get; set; }
    }

    public sealed record ShownSecret(string Title, string Value, string Hint);

    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }
    [BindProperty] public AccountInput Input { get; set; } = new();
    public AccountDetailDto Account { get; private set; } = null!;
    public ShownSecret? Secret { get; private set; }

    public async Task OnGetAsync() => await LoadAsync(fillInput: true);

    public async Task<IActionResult> OnPostAsync()
    {
        if (!Enum.TryParse<Role>(Input.Role, out var role) || !IndexModel.Roles.ContainsKey(Input.Role!))
        {
            ModelState.AddModelError("Input.Role", "请选择角色");
            ErrorMessage = "提交的信息有误，请按提示修改";
        }
        else if (await TryAsync(() => Sender.Send(new UpdateAccount(Id, Input.Version, Input.DisplayName ?? "", role,
                     role == Role.Employer ? Input.CreditCode : null, role == Role.Reviewer ? Input.Jurisdiction : null)).AsTask()))
        {
            Flash = "账号信息已保存";
            return RedirectToPage(new { id = Id });
        }
        await LoadAsync(fillInput: false);
        return Page();
    }

    public async Task<IActionResult> OnPostStatusAsync(bool enable)
    {
        if (await TryAsync(() => Sender.Send(new SetAccountEnabled(Id, enable)).AsTask()))
        {
            Flash = enable ? "账号已启用" : "账号已停用，其已登录的会话已结束";
            return RedirectToPage(new { id = Id });
        }
        await LoadAsync(fillInput: true);
        return Page();
    }

    public async Task<IActionResult> OnPostResetAsync()
    {
        var temporary = await Sender.Send(new ResetPassword(Id));
        await LoadAsync(fillInput: true);
        Secret = new ShownSecret("密码已重置", temporary, "临时密码只显示这一次，请通过安全渠道告知本人；首次登录时须修改密码。原密码和已登录的会话已失效。");
        return Page();
    }

    public async Task<IActionResult> OnPostBindAsync(string? subject)
    {
        var issuer = configuration["Declaration:Oidc:Authority"] ?? "oidc";
        if (await TryAsync(() => Sender.Send(new BindSsoSubject(Id, issuer, subject ?? "")).AsTask(), fieldPrefix: ""))
        {
            Flash = "已绑定政务服务网账号";
            return RedirectToPage(new { id = Id });
        }
        await LoadAsync(fillInput: true);
        return Page();
    }

    public async Task<IActionResult> OnPostUnbindAsync(string? issuer, string? subject)
    {
        await Sender.Send(new UnbindSsoSubject(Id, issuer ?? "", subject ?? ""));
        Flash = "已解除绑定";
        return RedirectToPage(new { id = Id });
    }

    public async Task<IActionResult> OnPostCreateKeyAsync(string? keyName, string? keyExpires)
    {
        DateOnly? expires = null;
        if (!string.IsNullOrWhiteSpace(keyExpires))
        {
            if (DateOnly.TryParseExact(keyExpires, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) expires = d;
            else ModelState.AddModelError("KeyExpires", "到期日格式应为 yyyy-MM-dd");
        }
        ApiKeyCreated? created = null;
        if (ModelState.IsValid && await TryAsync(async () => created = await Sender.Send(new CreateApiKey(Id, keyName ?? "", expires)), fieldPrefix: ""))
        {
            await LoadAsync(fillInput: true);
            Secret = new ShownSecret("接口密钥已创建", created!.Key, "密钥只显示这一次，请立即复制并妥善保存；系统只保存其摘要，丢失后只能吊销并重新创建。");
            return Page();
        }
        ErrorMessage ??= "提交的信息有误，请按提示修改";
        await LoadAsync(fillInput: true);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid keyId)
    {
        await Sender.Send(new RevokeApiKey(Id, keyId));
        Flash = "接口密钥已吊销";
        return RedirectToPage(new { id = Id });
    }

    private async Task LoadAsync(bool fillInput)
    {
        Account = await Sender.Send(new GetAccount(Id));
        if (!fillInput) return;
        var a = Account.Account;
        Input = new AccountInput { Version = a.Version, DisplayName = a.DisplayName, Role = a.Role.ToString(), CreditCode = a.UnitCreditCode, Jurisdiction = a.Jurisdiction };
    }
}
