using Declaration.BuildingBlocks.Application;
using Declaration.Host.Web;
using Declaration.Notices.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Notices;

/// <summary>通知公告 (manual chapter 9): the notices of the caller's region, searchable by keyword.</summary>
public sealed class IndexModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int P { get; set; } = 1;
    public PagedResult<NoticeListItemDto> Result { get; private set; } = new([], 1, 20, 0);

    public async Task OnGetAsync() => Result = await Sender.Send(new SearchNotices(Q, P, 20));

    public string PageLink(int page) => $"?q={Uri.EscapeDataString(Q ?? "")}&p={page}";
}
