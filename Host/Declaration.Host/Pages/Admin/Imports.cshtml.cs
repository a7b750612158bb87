using System.Text.Json;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Csv;
using Declaration.Host.Web;
using Hangfire;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Admin;

/// <summary>
/// Uploads of every import kind (admins only). The file is saved to disk and imported by a Hangfire background job; the status
/// page refreshes with the lines read so far, then shows the result or the line-numbered errors of a rejected file.
/// </summary>
[DisableRequestSizeLimit]
[RequestFormLimits(MultipartBodyLengthLimit = long.MaxValue)]
public sealed class ImportsModel(IConfiguration configuration, ImportProgress progress, ImportFileJob job, ICurrentUser user) : AppPageModel
{
    public static readonly IReadOnlyList<(string Kind, string Label)> Kinds =
    [
        ("certificates", "残疾人证信息（certificates）"),
        ("social-insurance", "社会保险缴费（social-insurance）"),
        ("wages", "工资发放（wages）"),
        ("minimum-wages", "最低工资标准（minimum-wages）"),
        ("units", "单位登记信息（units）"),
        ("related-units", "关联单位（related-units）"),
        ("placements", "安置残疾人申报（placements）"),
    ];

    [BindProperty] public string? Kind { get; set; }
    [BindProperty] public IFormFile? Upload { get; set; }
    [BindProperty(SupportsGet = true)] public string? Job { get; set; }

    public IReadOnlyList<ImportHistoryEntry> History { get; private set; } = [];
    public ImportOutcome? Outcome { get; private set; }
    public string? JobState { get; private set; }
    public long? LinesRead { get; private set; }
    [TempData] public string? InlineOutcome { get; set; }

    private bool HangfireEnabled => configuration.GetValue("Declaration:Hangfire:Enabled", true);

    public async Task OnGetAsync()
    {
        if (InlineOutcome is { } inline) Outcome = JsonSerializer.Deserialize<ImportOutcome>(inline, ImportFileJob.Json);
        else if (Job is { Length: > 0 } id && HangfireEnabled) ReadJob(id);
        History = await HttpContext.RequestServices.GetRequiredService<ImportHistory>()
            .LatestAsync([.. Kinds.Select(k => k.Kind)], 30, HttpContext.RequestAborted);
    }

    private void ReadJob(string id)
    {
        var details = JobStorage.Current.GetMonitoringApi().JobDetails(id);
        if (details is null) { JobState = "未找到该导入任务"; return; }
        var state = details.History.FirstOrDefault();
        JobState = state?.StateName ?? "Enqueued";
        if (JobState == "Succeeded" && state!.Data.TryGetValue("Result", out var result) && JsonSerializer.Deserialize<string>(result) is { } json)
            Outcome = JsonSerializer.Deserialize<ImportOutcome>(json, ImportFileJob.Json);
        else if (JobState == "Failed")
            ErrorMessage = "导入任务失败：" + (state!.Data.TryGetValue("ExceptionMessage", out var m) ? m : state.Reason);
        else
            LinesRead = progress.Get(id);
    }

    public bool InProgress => Outcome is null && JobState is "Enqueued" or "Processing" or "Scheduled" or "Awaiting";

    public async Task<IActionResult> OnPostAsync()
    {
        if (Kind is null || Kinds.All(k => k.Kind != Kind)) ModelState.AddModelError(nameof(Kind), "请选择导入类型");
        if (Upload is null || Upload.Length == 0) ModelState.AddModelError(nameof(Upload), "请选择要导入的CSV文件");
        if (!ModelState.IsValid)
        {
            ErrorMessage = "提交的信息有误，请按提示修改";
            await OnGetAsync();
            return Page();
        }
        var dir = Path.Combine(configuration["Declaration:DataDir"] ?? Path.Combine(Directory.GetCurrentDirectory(), ".data"), "imports");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"{Guid.NewGuid():N}.csv");
        await using (var target = System.IO.File.Create(path))
            await Upload!.CopyToAsync(target, HttpContext.RequestAborted);
        var fileName = Path.GetFileName(Upload.FileName);
        if (!HangfireEnabled)
        {
            var outcome = await job.RunCoreAsync(Kind!, path, fileName, user, Path.GetFileNameWithoutExtension(path));
            InlineOutcome = JsonSerializer.Serialize(outcome, ImportFileJob.Json);
            return RedirectToPage();
        }
        var id = HttpContext.RequestServices.GetRequiredService<IBackgroundJobClient>()
            .Enqueue<ImportFileJob>(j => j.RunAsync(Kind!, path, fileName, user.UserId, user.UserName, null));
        return RedirectToPage(new { job = id });
    }
}
