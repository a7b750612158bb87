using Declaration.AnnualReview.Domain;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Domain;

namespace Declaration.AnnualReview.Features.Certify;

/// <summary>The rules a unit-year must pass before the unit may accept the commitment letter (RULES.md §6).</summary>
internal sealed class CertificationGate(UnitYearStore store, DeclarationWindows windows, IAnnualReviewInputs inputs, ICurrentUser user)
{
    /// <summary>The first broken rule, or null when the unit may certify now.</summary>
    public async Task<IBusinessRule?> FirstBrokenAsync(UnitYearRow year, CancellationToken ct)
    {
        IBusinessRule once = new CertifyOnlyOnce(year.State);
        if (once.IsBroken()) return once;
        IBusinessRule pending = new NoCertifyWhileReopenRequested(year.State);
        if (pending.IsBroken()) return pending;
        if (!user.IsStaff())
        {
            var (opens, closes, _) = await windows.ForYearAsync(year.BusinessYear, ct);
            IBusinessRule window = new ActWithinDeclarationWindow(await windows.IsOpenAsync(year.BusinessYear, ct), opens, closes);
            if (window.IsBroken()) return window;
        }
        var counts = await store.CountsAsync(year.UnitId, year.BusinessYear, ct);
        var unconfirmed = Math.Max(counts.Total - counts.Confirmed, await inputs.CountUnconfirmedAsync(year.UnitId, year.BusinessYear, ct) ?? 0);
        IBusinessRule confirmed = new CertifyOnlyWhenAllPlacementsConfirmed(counts.Confirmed + unconfirmed, counts.Confirmed);
        return confirmed.IsBroken() ? confirmed : null;
    }
}
