using Declaration.Host.Web;
using Declaration.Units.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit;

/// <summary>单位信息维护管理 (manual chapter 6) with the related-unit list of chapter 7.</summary>
public sealed class ProfileModel : AppPageModel
{
    public sealed class ProfileInput
    {
        public int Version { get; set; }
        public string? Name { get; set; }
        public string? UnitType { get; set; }
        public string? LegalRepresentative { get; set; }
        public string? LegalPhone { get; set; }
        public string? ContactName { get; set; }
        public string? ContactMobile { get; set; }
        public string? Address { get; set; }
    }

    [BindProperty] public ProfileInput Input { get; set; } = new();
    public UnitDto Unit { get; private set; } = null!;
    public IReadOnlyList<RelatedUnitDto> Related { get; private set; } = [];
    public bool PendingChange { get; private set; }

    public async Task OnGetAsync()
    {
        await LoadAsync();
        Input = new ProfileInput
        {
            Version = Unit.Version, Name = Unit.Name, UnitType = Unit.UnitType, LegalRepresentative = Unit.LegalRepresentative, LegalPhone = Unit.LegalPhone,
            ContactName = Unit.ContactName, ContactMobile = Unit.ContactMobile, Address = Unit.Address,
        };
    }

    public async Task<IActionResult> OnPostAsync()
    {
        ProfileSaved? saved = null;
        var ok = await TryAsync(async () => saved = await Sender.Send(new UpdateUnitProfile(UnitId, Input.Version, Input.Name ?? "", Input.UnitType ?? "",
            Input.LegalRepresentative ?? "", Input.LegalPhone ?? "",
            Input.ContactName ?? "", Input.ContactMobile ?? "", Input.Address)));
        if (ok)
        {
            Flash = "单位信息已保存";
            FlashWarning = saved!.Warning;
            return RedirectToPage();
        }
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostConfirmAsync()
    {
        await Sender.Send(new ConfirmUnitProfile(UnitId));
        Flash = "已确认核对单位信息";
        return RedirectToPage();
    }

    private async Task LoadAsync()
    {
        Unit = await Sender.Send(new GetUnit(UnitId));
        Related = await Sender.Send(new GetRelatedUnits(UnitId, new DateOnly(2000, 1, 1), new DateOnly(2100, 12, 31)));
        PendingChange = (await Sender.Send(new GetRegistryChanges(UnitId))).Any(r => r.Status == RegistryChangeStatus.Pending);
    }
}
