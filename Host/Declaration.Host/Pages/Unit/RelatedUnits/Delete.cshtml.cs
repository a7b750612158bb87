using Declaration.BuildingBlocks.Errors;
using Declaration.Host.Web;
using Declaration.Units.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.RelatedUnits;

/// <summary>The confirmation step before a related unit is deleted.</summary>
public sealed class DeleteModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }
    [BindProperty] public int Version { get; set; }
    public RelatedUnitDto Existing { get; private set; } = null!;

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAsync()
    {
        if (await TryAsync(() => Sender.Send(new DeleteRelatedUnit(UnitId, Id, Version)).AsTask()))
        {
            Flash = "关联单位已删除";
            return RedirectToPage("/Unit/Profile");
        }
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var all = await Sender.Send(new GetRelatedUnits(UnitId, new DateOnly(1900, 1, 1), new DateOnly(2999, 12, 31)));
        Existing = all.FirstOrDefault(r => r.Id == Id) ?? throw new NotFoundException("未找到该关联单位");
    }
}
