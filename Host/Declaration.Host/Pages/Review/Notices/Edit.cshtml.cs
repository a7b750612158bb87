using System.Globalization;
using System.Security.Claims;
using Declaration.BuildingBlocks.Domain;
using Declaration.Host.Web;
using Declaration.Notices.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Review.Notices;

/// <summary>Staff: publish a notice (or edit one), with its attachments (PDF, JPG, PNG).</summary>
public sealed class EditModel : AppPageModel
{
    public sealed class NoticeInput
    {
        public int Version { get; set; }
        public string? Title { get; set; }
        public string? BodyMarkdown { get; set; }
        public string? TargetRegionPrefix { get; set; }
        public string? PublishAt { get; set; }
        public string? ExpiresAt { get; set; }
        public bool Pinned { get; set; }
    }

    [BindProperty(SupportsGet = true)] public Guid? Id { get; set; }
    [BindProperty] public NoticeInput Input { get; set; } = new();
    [BindProperty] public List<IFormFile> Upload { get; set; } = [];
    public NoticeDto? Existing { get; private set; }
    public bool IsNew => Id is null;

    public async Task OnGetAsync()
    {
        if (Id is { } id)
        {
            Existing = await Sender.Send(new GetNotice(id));
            Input = new NoticeInput
            {
                Version = Existing.Version, Title = Existing.Title, BodyMarkdown = Existing.BodyMarkdown, TargetRegionPrefix = Existing.TargetRegionPrefix,
                PublishAt = Format(Existing.PublishAt), ExpiresAt = Existing.ExpiresAt is { } e ? Format(e) : null, Pinned = Existing.Pinned,
            };
        }
        else Input.TargetRegionPrefix = User.FindFirstValue(DeclarationClaims.Jurisdiction) ?? "33";
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var wasNew = IsNew;
        var publishAt = Parse(Input.PublishAt, "Input.PublishAt");
        var expiresAt = Parse(Input.ExpiresAt, "Input.ExpiresAt");
        if (!IsNew && publishAt is null) ModelState.AddModelError("Input.PublishAt", "请填写发布时间");
        if (ModelState.IsValid && await TryAsync(async () =>
            {
                try
                {
                if (Id is { } id)
                    await Sender.Send(new EditNotice(id, Input.Version, Input.Title ?? "", Input.BodyMarkdown ?? "", Input.TargetRegionPrefix ?? "",
                        publishAt!.Value, expiresAt, Input.Pinned));
                else
                    Id = await Sender.Send(new PublishNotice(Input.Title ?? "", Input.BodyMarkdown ?? "", Input.TargetRegionPrefix ?? "", publishAt, expiresAt, Input.Pinned));
                foreach (var file in Upload.Where(f => f.Length > 0))
                {
                    await using var stream = file.OpenReadStream();
                    await Sender.Send(new AddNoticeAttachment(Id!.Value, stream, file.FileName));
                }
                }
                catch (Declaration.BuildingBlocks.Errors.ForbiddenException ex) when (ex.Message.StartsWith("只能向", StringComparison.Ordinal))
                {
                    // Targeting outside the jurisdiction is the form's error, shown on the field.
                    throw new Declaration.BuildingBlocks.Errors.InputException("TargetRegionPrefix", ex.Message);
                }
            }))
        {
            Flash = wasNew ? "通知公告已发布" : "通知公告已保存";
            return RedirectToPage(new { id = Id });
        }
        if (Id is { } existing) Existing = await Sender.Send(new GetNotice(existing));
        return Page();
    }

    public async Task<IActionResult> OnPostRemoveAttachmentAsync(Guid fileId)
    {
        await Sender.Send(new RemoveNoticeAttachment(Id!.Value, fileId));
        Flash = "附件已删除";
        return RedirectToPage(new { id = Id });
    }

    private static string Format(DateTimeOffset at) => ChinaTime.Local(at).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);

    /// <summary>A datetime-local value is China time.</summary>
    private DateTimeOffset? Parse(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), TimeSpan.FromHours(8));
        ModelState.AddModelError(field, "时间格式不正确");
        return null;
    }
}
