using Declaration.BuildingBlocks.Application;
using Declaration.Host.Web;
using Declaration.Notices.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Review.Notices;

/// <summary>Staff: the notices of their jurisdiction in every state; publish, edit, withdraw.</summary>
public sealed class IndexModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int P { get; set; } = 1;
    public PagedResult<NoticeListItemDto> Result { get; private set; } = new([], 1, 20, 0);
    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync()
    {
        Now = HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        Result = await Sender.Send(new GetManagedNotices(Q, P, 20));
    }

    public async Task<IActionResult> OnPostUnpublishAsync(Guid id)
    {
        Flash = await Sender.Send(new UnpublishNotice(id)) ? "通知公告已撤回" : "该通知公告此前已撤回";
        return RedirectToPage(new { q = Q, p = P });
    }

    public string StateOf(NoticeListItemDto n) =>
        n.Withdrawn ? "已撤回" : n.PublishAt > Now ? "待发布" : n.ExpiresAt is { } e && e <= Now ? "已过期" : "已发布";

    public string PageLink(int page) => $"?q={Uri.EscapeDataString(Q ?? "")}&p={page}";
}
