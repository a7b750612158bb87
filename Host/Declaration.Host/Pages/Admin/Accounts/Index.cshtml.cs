using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Csv;
using Declaration.Host.Web;
using Declaration.Units.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Admin.Accounts;

/// <summary>账号管理: search, create (with a temporary password shown once), import a CSV of accounts.</summary>
public sealed class IndexModel : AppPageModel
{
    public static readonly IReadOnlyDictionary<string, string> Roles = new Dictionary<string, string>
    {
        [nameof(Role.Employer)] = "单位经办人", [nameof(Role.Reviewer)] = "残联审核人员", [nameof(Role.Admin)] = "系统管理员",
    };

    public static string RoleLabel(Role role) => Roles.GetValueOrDefault(role.ToString(), role.ToString());

    public sealed class AccountInput
    {
        public string? UserName { get; set; }
        public string? DisplayName { get; set; }
        public string? Role { get; set; }
        public string? CreditCode { get; set; }
        public string? Jurisdiction { get; set; }
    }

    public sealed record CreatedAccount(string UserName, string TemporaryPassword);

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int P { get; set; } = 1;
    [BindProperty] public AccountInput Input { get; set; } = new();
    [BindProperty] public IFormFile? AccountsFile { get; set; }
    public PagedResult<AccountSummaryDto> Result { get; private set; } = new([], 1, 20, 0);
    public CreatedAccount? Created { get; private set; }
    public IReadOnlyList<string> ImportErrors { get; private set; } = [];

    public async Task OnGetAsync() => Result = await Sender.Send(new GetAccounts(Q, P, 20));

    public async Task<IActionResult> OnPostAsync()
    {
        if (!Enum.TryParse<Role>(Input.Role, out var role) || !Roles.ContainsKey(Input.Role!))
        {
            ModelState.AddModelError("Input.Role", "请选择角色");
            ErrorMessage = "提交的信息有误，请按提示修改";
        }
        else
        {
            AccountCreated? created = null;
            if (await TryAsync(async () => created = await Sender.Send(new CreateAccount(Input.UserName ?? "", Input.DisplayName ?? "", null, role,
                    role == Role.Employer ? Input.CreditCode : null, role == Role.Reviewer ? Input.Jurisdiction : null))))
            {
                // Shown once, in this response only (never stored, never put in a cookie or a redirect).
                Created = new CreatedAccount(Input.UserName!.Trim(), created!.TemporaryPassword!);
                Input = new AccountInput();
                ModelState.Clear();
            }
        }
        await OnGetAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostImportAsync()
    {
        if (AccountsFile is null || AccountsFile.Length == 0) ErrorMessage = "请选择要导入的账号文件";
        else
        {
            await using var stream = AccountsFile.OpenReadStream();
            try
            {
                var result = await Sender.Send(new ImportAccounts(stream));
                Flash = $"账号导入成功：共 {result.Rows} 行，新增 {result.Inserted} 个，更新 {result.Updated} 个";
                return RedirectToPage();
            }
            catch (ImportRejectedException ex)
            {
                ErrorMessage = ex.Message;
                ImportErrors = ex.Errors.Select(e => e.ToString()).ToList();
            }
        }
        await OnGetAsync();
        return Page();
    }
}
