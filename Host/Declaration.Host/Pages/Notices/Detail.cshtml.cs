using Declaration.Host.Web;
using Declaration.Notices.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Notices;

/// <summary>A notice's detail (its Markdown body is rendered and sanitised by the module); viewing marks it read.</summary>
public sealed class DetailModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }
    public NoticeDto Notice { get; private set; } = null!;

    public async Task OnGetAsync()
    {
        Notice = await Sender.Send(new GetNotice(Id));
        if (Notice.IsPublished(HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow()))
            await Sender.Send(new MarkNoticeRead(Id));
    }

    public async Task<IActionResult> OnGetAttachmentAsync(Guid fileId) => FileResult(await Sender.Send(new GetNoticeAttachment(Id, fileId)));
}
