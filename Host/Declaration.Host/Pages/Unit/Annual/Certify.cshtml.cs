using Declaration.AnnualReview.Contracts;
using Declaration.Host.Web;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.Annual;

/// <summary>Step 6: read the commitment letter and 确认年审认证 (records who, when and from where; issues the certificate once).</summary>
public sealed class CertifyModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public int Year { get; set; }
    [BindProperty] public bool Agree { get; set; }
    public CommitmentLetterDto Letter { get; private set; } = null!;

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAsync()
    {
        if (!Agree)
        {
            ErrorMessage = "请先勾选确认已阅读承诺书";
            await LoadAsync();
            return Page();
        }
        CertificateIssuedDto? issued = null;
        if (await TryAsync(async () => issued = await Sender.Send(new CertifyAnnualReview(UnitId, Year))))
        {
            Flash = $"年审认证已完成：确认书编号 {issued!.CertificateNumber}，认证人数 {issued.CertifiedCount:0.00} 人。请下载年审认证确认书。";
            return RedirectToPage("/Unit/Annual/Index", new { year = Year });
        }
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        if (Year == 0) Year = BusinessYears.Current(HttpContext.RequestServices.GetRequiredService<TimeProvider>());
        Letter = await Sender.Send(new GetCommitmentLetter(UnitId, Year));
    }

    public string Category(CertifiedPersonLineDto p) => p.CertificateType == "veteran" ? "残疾军人" : p.Category switch
    {
        1 => "视力残疾", 2 => "听力残疾", 3 => "言语残疾", 4 => "肢体残疾", 5 => "智力残疾", 6 => "精神残疾", 7 => "多重残疾", _ => "—",
    };

    public string Level(CertifiedPersonLineDto p) => p.Level is { } l
        ? p.CertificateType == "veteran" ? $"{l}级" : l switch { 1 => "一级", 2 => "二级", 3 => "三级", 4 => "四级", _ => $"{l}级" }
        : "—";
}
