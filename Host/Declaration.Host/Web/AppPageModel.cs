using System.Security.Claims;
using Declaration.BuildingBlocks.Errors;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Declaration.Host.Web;

/// <summary>Base of the pages: the mediator, the signed-in unit, and turning refusals into messages on the form.</summary>
public abstract class AppPageModel : PageModel
{
    protected ISender Sender => HttpContext.RequestServices.GetRequiredService<ISender>();

    /// <summary>The unit an employer account is bound to.</summary>
    protected Guid UnitId => Guid.TryParse(User.FindFirstValue(DeclarationClaims.UnitId), out var id) ? id : throw new NotFoundException("当前账号未绑定单位");

    [TempData] public string? Flash { get; set; }
    [TempData] public string? FlashWarning { get; set; }

    public string? ErrorMessage { get; set; }

    /// <summary>Runs a command; validation errors land on the form fields (prefixed), refusals in <see cref="ErrorMessage"/>.</summary>
    protected async Task<bool> TryAsync(Func<Task> action, string fieldPrefix = "Input")
    {
        try
        {
            await action();
            return true;
        }
        catch (InputException ex)
        {
            foreach (var (field, messages) in ex.Errors)
                foreach (var message in messages)
                    ModelState.AddModelError(string.IsNullOrEmpty(fieldPrefix) ? field : $"{fieldPrefix}.{field}", message);
            ErrorMessage = ex.Message;
        }
        catch (ConflictException ex) { ErrorMessage = ex.Message; }
        catch (BusinessRuleException ex) { ErrorMessage = ex.Message; }
        catch (Declaration.BuildingBlocks.Csv.ImportRejectedException ex) { ErrorMessage = ex.Message + "：" + string.Join("；", ex.Errors.Take(20)); }
        return false;
    }

    protected IActionResult FileResult(Declaration.BuildingBlocks.Application.FileDownload file, bool inline = false) =>
        inline ? File(file.Content, file.ContentType) : File(file.Content, file.ContentType, file.FileName);
}
