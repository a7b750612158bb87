using Declaration.AnnualReview.Contracts;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Declaration.Host.Pages;

/// <summary>The public verification page of the certificate (anonymous; the QR code opens /Verify?code=...). No personal data.</summary>
public sealed class VerifyModel(ISender sender) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Code { get; set; }
    public CertificateVerificationDto? Result { get; private set; }

    public async Task OnGetAsync()
    {
        if (!string.IsNullOrWhiteSpace(Code)) Result = await sender.Send(new VerifyCertificate(Code));
    }
}
