using Declaration.Placement.Contracts;
using Declaration.Host.Web;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Review.Placements;

/// <summary>Bulk confirmation asks first: the selection is posted here, shown, and confirmed with a second post.</summary>
public sealed class BulkConfirmModel : AppPageModel
{
    [BindProperty(Name = "ids")] public List<Guid> Ids { get; set; } = [];

    public IActionResult OnGet() => RedirectToPage("/Review/Placements/Index");

    public void OnPost() { }

    public async Task<IActionResult> OnPostConfirmAsync()
    {
        var confirmed = 0;
        if (!await TryAsync(async () => confirmed = await Sender.Send(new BulkConfirm(Ids)), "")) return Page();
        Flash = $"已批量确认 {confirmed} 人" + (confirmed < Ids.Count ? $"（{Ids.Count - confirmed} 人不符合批量确认条件，未确认）" : "");
        return RedirectToPage("/Review/Placements/Index");
    }
}
