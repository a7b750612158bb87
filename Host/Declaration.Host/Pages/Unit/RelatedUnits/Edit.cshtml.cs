using System.Globalization;
using Declaration.Host.Web;
using Declaration.Units.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.RelatedUnits;

/// <summary>关联单位维护 (manual chapter 7): add or edit, with evidence files.</summary>
public sealed class EditModel : AppPageModel
{
    public sealed class RelatedInput
    {
        public int Version { get; set; }
        public string? RelatedCreditCode { get; set; }
        public string? RelatedName { get; set; }
        public string? RelationType { get; set; }
        public string? ValidFrom { get; set; }
        public string? ValidTo { get; set; }
        public string? RegionCode { get; set; }
        public string? Phone { get; set; }
        public string? Address { get; set; }
    }

    [BindProperty(SupportsGet = true)] public Guid? Id { get; set; }
    [BindProperty] public RelatedInput Input { get; set; } = new();
    [BindProperty] public List<IFormFile> Upload { get; set; } = [];
    public RelatedUnitDto? Existing { get; private set; }
    public bool IsNew => Id is null;

    public async Task OnGetAsync()
    {
        await LoadAsync();
        if (Existing is { } r)
            Input = new RelatedInput
            {
                Version = r.Version, RelatedCreditCode = r.RelatedCreditCode, RelatedName = r.RelatedName, RelationType = r.RelationType,
                ValidFrom = r.ValidFrom.ToString("yyyy-MM-dd"), ValidTo = r.ValidTo?.ToString("yyyy-MM-dd"), RegionCode = r.RegionCode, Phone = r.Phone, Address = r.Address,
            };
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var from = ParseDate(Input.ValidFrom, "Input.ValidFrom", "请填写起始日期", required: true);
        var to = ParseDate(Input.ValidTo, "Input.ValidTo", "终止日期格式不正确", required: false);
        if (!ModelState.IsValid)
        {
            await LoadAsync();
            return Page();
        }
        var ok = await TryAsync(async () =>
        {
            var id = Id;
            if (id is null)
                id = await Sender.Send(new AddRelatedUnit(UnitId, Input.RelatedCreditCode ?? "", Input.RelatedName ?? "", Input.RelationType ?? "",
                    from!.Value, to, Input.RegionCode, Input.Address, Input.Phone));
            else
                await Sender.Send(new EditRelatedUnit(UnitId, id.Value, Input.Version, Input.RelatedCreditCode ?? "", Input.RelatedName ?? "",
                    Input.RelationType ?? "", from!.Value, to, Input.RegionCode, Input.Address, Input.Phone));
            Id = id;
            foreach (var file in Upload.Where(f => f.Length > 0))
            {
                await using var stream = file.OpenReadStream();
                await Sender.Send(new AddRelatedUnitEvidence(UnitId, id.Value, stream, file.FileName));
            }
        });
        if (!ok)
        {
            await LoadAsync();
            return Page();
        }
        Flash = "关联单位已保存";
        return RedirectToPage("/Unit/Profile");
    }

    public async Task<IActionResult> OnPostDeleteEvidenceAsync(Guid fileId)
    {
        var ok = await TryAsync(() => Sender.Send(new DeleteRelatedUnitEvidence(UnitId, Id!.Value, fileId)).AsTask());
        if (ok) Flash = "证明材料已删除";
        else FlashWarning = ErrorMessage;
        return RedirectToPage(new { id = Id });
    }

    public async Task<IActionResult> OnGetEvidenceAsync(Guid fileId) =>
        FileResult(await Sender.Send(new GetRelatedUnitEvidence(UnitId, Id!.Value, fileId)));

    private DateOnly? ParseDate(string? value, string key, string message, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required) ModelState.AddModelError(key, message);
            return null;
        }
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        ModelState.AddModelError(key, "日期格式应为 yyyy-MM-dd");
        return null;
    }

    private async Task LoadAsync()
    {
        if (Id is null) return;
        var all = await Sender.Send(new GetRelatedUnits(UnitId, new DateOnly(1900, 1, 1), new DateOnly(2999, 12, 31)));
        Existing = all.FirstOrDefault(r => r.Id == Id) ?? throw new Declaration.BuildingBlocks.Errors.NotFoundException("未找到该关联单位");
    }
}
