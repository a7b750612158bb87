using Declaration.BuildingBlocks.Domain;
using Declaration.Host.Web;
using Declaration.Placement.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.Placements;

/// <summary>
/// 批量申报: templates, then an upload previewed with line-numbered errors (nothing saved); confirming imports the same file
/// whole. Between the two requests the upload waits in a private temporary file named by a random token and the unit.
/// </summary>
public sealed class BulkModel(TimeProvider clock) : AppPageModel
{
    private const long MaxBytes = 20 * 1024 * 1024;

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
        Token = Guid.NewGuid().ToString("N") + extension;
        await using (var target = System.IO.File.Create(PathOf(Token)))
            await Upload.CopyToAsync(target);
        await TryAsync(async () =>
        {
            await using var stream = System.IO.File.OpenRead(PathOf(Token));
            Preview = await Sender.Send(new PreviewBulkDeclaration(UnitId, stream, Token));
        }, "");
        return Page();
    }

    public async Task<IActionResult> OnPostConfirmAsync()
    {
        if (Token is null || !IsToken(Token) || !System.IO.File.Exists(PathOf(Token)))
        {
            ErrorMessage = "上传的文件已失效，请重新上传";
            return Page();
        }
        Declaration.BuildingBlocks.Application.ImportResult? result = null;
        var ok = await TryAsync(async () =>
        {
            await using var stream = System.IO.File.OpenRead(PathOf(Token));
            result = await Sender.Send(new ConfirmBulkDeclaration(UnitId, stream, Token));
        }, "");
        if (!ok) return Page();
        System.IO.File.Delete(PathOf(Token));
        Flash = $"批量申报完成：新增 {result!.Inserted} 人，更新 {result.Updated} 人，已联网认证并提交残联审核";
        return RedirectToPage("/Unit/Placements/Index", new { year = Year });
    }

    private static bool IsToken(string token) =>
        token.Length > 32 && Guid.TryParseExact(token[..32], "N", out _) && token[32..] is ".xlsx" or ".csv";

    private string PathOf(string token)
    {
        var folder = Path.Combine(Path.GetTempPath(), "declaration-bulk", UnitId.ToString("N"));
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, token);
    }
}
