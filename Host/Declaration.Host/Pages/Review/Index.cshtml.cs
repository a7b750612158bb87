using Declaration.Host.Web;

namespace Declaration.Host.Pages.Review;

public sealed class IndexModel : AppPageModel
{
    public string? Jurisdiction => User.FindFirst(DeclarationClaims.Jurisdiction)?.Value;
    public void OnGet() { }
}
