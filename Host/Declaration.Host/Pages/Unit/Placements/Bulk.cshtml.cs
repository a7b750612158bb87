using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Files;
using Declaration.Host.Web;
using Declaration.Placement.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.Placements;

/// <summary>
/// 批量申报: templates, then an upload previewed with line-numbered errors (nothing saved); confirming imports the same file
/// whole. Between the two requests the upload waits in the database (<see cref="IUploadStash"/>), for this unit and this user
/// only, under a random token, for two hours — so the confirm may land on any host.
/// </summary>
public sealed class BulkModel(TimeProvider clock, IUploadStash stash, ICurrentUser user) : AppPageModel
{
    private const long MaxBytes = 20 * 1024 * 1024;
    public const string Purpose = "bulk-declaration";

    [BindProperty(SupportsGet = true)] public int? Year { get; set; }
    [BindProperty] public IFormFile? Upload { get; set; }
    [BindProperty] public string? Token { get; set; }
    public BulkDeclarationPreview? Preview { get; private set; }

    public void OnGet() => Year ??= ChinaTime.Today(clock).Year - 1;

    public async Task<IActionResult> OnGetTemplateAsync(string format) => FileResult(await Sender.Send(new GetPlacementTemplate(format)));

    public async Task<IActionResult> OnPostPreviewAsync()
    {
        Year ??= ChinaTime.Today(clock).Year - 1;
        if (Upload is null || Upload.Length == 0)
        {
            ErrorMessage = "请选择要上传的Excel或CSV文件";
            return Page();
        }
        var extension = Path.GetExtension(Upload.FileName).ToLowerInvariant();
        if (extension is not (".xlsx" or ".csv") || Upload.Length > MaxBytes)
        {
            ErrorMessage = "请上传不超过20MB的Excel（.xlsx）或CSV文件";
            return Page();
        }
        var fileName = Path.GetFileName(Upload.FileName);
        await TryAsync(async () =>
        {
            await using var stream = Upload.OpenReadStream();
            Preview = await Sender.Send(new PreviewBulkDeclaration(UnitId, stream, fileName));
        }, "");
        // Only a file that can be confirmed waits (in the database) for the confirmation; a rejected one is not kept.
        if (Preview is { Valid: true })
            await using (var content = Upload.OpenReadStream())
                Token = await stash.StageAsync(Purpose, UnitId, user.UserId, content, fileName, MaxBytes, HttpContext.RequestAborted);
        return Page();
    }

    public async Task<IActionResult> OnPostConfirmAsync()
    {
        if (Token is not { Length: > 0 } token || await stash.OpenAsync(Purpose, UnitId, user.UserId, token, HttpContext.RequestAborted) is not { } staged)
        {
            ErrorMessage = "上传的文件已失效，请重新上传";
            return Page();
        }
        Declaration.BuildingBlocks.Application.ImportResult? result = null;
        bool ok;
        await using (var stream = staged.Content)
            ok = await TryAsync(async () => result = await Sender.Send(new ConfirmBulkDeclaration(UnitId, stream, staged.FileName)), "");
        if (!ok) return Page();
        await stash.RemoveAsync(token, HttpContext.RequestAborted);
        Flash = $"批量申报完成：新增 {result!.Inserted} 人，更新 {result.Updated} 人，已联网认证并提交残联审核";
        return RedirectToPage("/Unit/Placements/Index", new { year = Year });
    }
}
