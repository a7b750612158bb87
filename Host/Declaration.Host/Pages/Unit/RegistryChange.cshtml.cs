using Declaration.Host.Web;
using Declaration.Units.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit;

/// <summary>The unit asks to change its registry facts (region, federation, tax authority) and follows its requests.</summary>
public sealed class RegistryChangeModel : AppPageModel
{
    public sealed class ChangeInput
    {
        public string? RegionCode { get; set; }
        public string? FederationCode { get; set; }
        public string? TaxAuthorityCode { get; set; }
        public string? Reason { get; set; }
    }

    [BindProperty] public ChangeInput Input { get; set; } = new();
    public UnitDto Unit { get; private set; } = null!;
    public IReadOnlyList<RegistryChangeDto> Requests { get; private set; } = [];
    public RegistryChangeDto? Pending => Requests.FirstOrDefault(r => r.Status == RegistryChangeStatus.Pending);

    public async Task OnGetAsync()
    {
        await LoadAsync();
        Input = new ChangeInput { RegionCode = Unit.RegionCode, FederationCode = Unit.FederationCode, TaxAuthorityCode = Unit.TaxAuthorityCode };
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await TryAsync(() => Sender.Send(new RequestRegistryChange(UnitId, Input.RegionCode ?? "", Input.FederationCode ?? "", Input.TaxAuthorityCode ?? "",
                Input.Reason ?? "")).AsTask()))
        {
            Flash = "变更申请已提交，请等待所属残联审核";
            return RedirectToPage();
        }
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostWithdrawAsync(Guid requestId)
    {
        if (await TryAsync(() => Sender.Send(new WithdrawRegistryChange(UnitId, requestId)).AsTask(), fieldPrefix: ""))
        {
            Flash = "变更申请已撤回";
            return RedirectToPage();
        }
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        Unit = await Sender.Send(new GetUnit(UnitId));
        Requests = await Sender.Send(new GetRegistryChanges(UnitId));
    }
}
