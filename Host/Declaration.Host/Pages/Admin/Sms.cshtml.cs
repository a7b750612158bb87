using Declaration.BuildingBlocks.Application;
using Declaration.Host.Web;
using Declaration.Notices.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Admin;

/// <summary>短信通知: every queued message with its delivery state (the local sink's messages included), newest first.</summary>
public sealed class SmsModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public SmsStatus? Status { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int P { get; set; } = 1;
    public PagedResult<SmsMessageDto> Result { get; private set; } = new([], 1, 20, 0);

    public async Task OnGetAsync() => Result = await Sender.Send(new GetSmsMessages(Status, P, 20));

    public static string Label(SmsStatus s) => s switch
    {
        SmsStatus.Pending => "待发送", SmsStatus.Sent => "已发送", SmsStatus.Cancelled => "已取消（通知已撤回）", _ => "发送失败",
    };

    public string PageLink(int page) => $"?status={Status}&p={page}";
}
