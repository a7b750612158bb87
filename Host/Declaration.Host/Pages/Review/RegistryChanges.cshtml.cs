using Declaration.BuildingBlocks.Application;
using Declaration.Host.Web;
using Declaration.Units.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Review;

/// <summary>Pending registry-change requests of the reviewer's jurisdiction: approve (the facts change) or reject with a comment.</summary>
public sealed class RegistryChangesModel : AppPageModel
{
    [BindProperty(SupportsGet = true, Name = "p")] public int P { get; set; } = 1;
    public PagedResult<RegistryChangeDto> Result { get; private set; } = new([], 1, 20, 0);

    public async Task OnGetAsync() => Result = await Sender.Send(new GetPendingRegistryChanges(P, 20));

    public async Task<IActionResult> OnPostDecideAsync(Guid requestId, bool approve, string? comment)
    {
        if (await TryAsync(() => Sender.Send(new DecideRegistryChange(requestId, approve, comment)).AsTask(), fieldPrefix: ""))
        {
            Flash = approve ? "已批准变更，单位登记信息已更新" : "已不批准该变更申请";
            return RedirectToPage();
        }
        await OnGetAsync();
        return Page();
    }
}
