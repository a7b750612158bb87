using System.Text.Json;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Csv;
using Declaration.Host.Web;
using Hangfire;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Admin;

/// <summary>
/// Uploads of every import kind (admins only). The file is stored in the database with an import job, which a Hangfire background
/// job runs on whichever host picks it; the status page (on any host) refreshes with the job's state and the lines read so far,
/// then shows the result or the line-numbered errors of a rejected file.
/// </summary>
[DisableRequestSizeLimit]
[RequestFormLimits(MultipartBodyLengthLimit = long.MaxValue)]
public sealed class ImportsModel(IConfiguration configuration, ImportJobs jobs, ImportFileJob job, ICurrentUser user) : AppPageModel
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
    [BindProperty(SupportsGet = true)] public Guid? Job { get; set; }

    public IReadOnlyList<ImportHistoryEntry> History { get; private set; } = [];
    public ImportOutcome? Outcome { get; private set; }
    public ImportJobStatus? JobStatus { get; private set; }

    private bool HangfireEnabled => configuration.GetValue("Declaration:Hangfire:Enabled", true);
    private long MaxBytes => configuration.GetValue("Declaration:Imports:MaxBytes", 2L * 1024 * 1024 * 1024);

    public async Task OnGetAsync()
    {
        if (Job is { } id)
        {
            JobStatus = await jobs.GetAsync(id, HttpContext.RequestAborted);
            if (JobStatus is null) ErrorMessage = "未找到该导入任务";
            else if (JobStatus.Outcome is { } json) Outcome = JsonSerializer.Deserialize<ImportOutcome>(json, ImportFileJob.Json);
            else if (JobStatus.State == ImportJobStates.Failed) ErrorMessage = JobStatus.LastError ?? "导入任务失败";
        }
        History = await HttpContext.RequestServices.GetRequiredService<ImportHistory>()
            .LatestAsync([.. Kinds.Select(k => k.Kind)], 30, HttpContext.RequestAborted);
    }

    public bool InProgress => Outcome is null && JobStatus is { Finished: false };

    public async Task<IActionResult> OnPostAsync()
    {
        if (Kind is null || Kinds.All(k => k.Kind != Kind)) ModelState.AddModelError(nameof(Kind), "请选择导入类型");
        if (Upload is null || Upload.Length == 0) ModelState.AddModelError(nameof(Upload), "请选择要导入的CSV文件");
        else if (Upload.Length > MaxBytes)
            ModelState.AddModelError(nameof(Upload), $"文件超过{MaxBytes / 1024 / 1024} MB 的上限（Declaration:Imports:MaxBytes），请拆分后分批导入");
        else if (!Upload.FileName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !Upload.FileName.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
            ModelState.AddModelError(nameof(Upload), "请上传CSV文件（UTF-8，格式见文件格式说明）");
        if (!ModelState.IsValid)
        {
            ErrorMessage = "提交的信息有误，请按提示修改";
            await OnGetAsync();
            return Page();
        }
        Guid id;
        try
        {
            await using var content = Upload!.OpenReadStream();
            id = await jobs.CreateAsync(Kind!, content, Upload.FileName, MaxBytes, user, HttpContext.RequestAborted);
        }
        catch (Declaration.BuildingBlocks.Errors.AppException ex)
        {
            ErrorMessage = ex is Declaration.BuildingBlocks.Errors.InputException input ? input.Describe() : ex.Message;
            await OnGetAsync();
            return Page();
        }
        if (!HangfireEnabled)
            await job.RunCoreAsync(id, final: true, HttpContext.RequestAborted);
        else
            HttpContext.RequestServices.GetRequiredService<IBackgroundJobClient>().Enqueue<ImportFileJob>(j => j.RunAsync(id, null));
        return RedirectToPage(new { job = id });
    }
}
