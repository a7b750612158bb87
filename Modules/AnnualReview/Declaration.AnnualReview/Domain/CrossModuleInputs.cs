using Declaration.Placement.Contracts;
using Mediator;

namespace Declaration.AnnualReview.Domain;

/// <summary>
/// What AnnualReview reads from Placement when a unit certifies its year (through its Contracts).
/// A seam so that module tests can state another module's answer for a unit-year they drive by events alone.
/// </summary>
internal interface IAnnualReviewInputs
{
    /// <summary>Placement's CertifiedCount of the unit-year: person-months of confirmed placements and the persons.</summary>
    Task<CertifiedCountDto> GetCertifiedCountAsync(Guid unitId, int year, CancellationToken ct);

    /// <summary>Placement's count of the unit-year's placements that are not Confirmed (null when Placement cannot answer).</summary>
    Task<int?> CountUnconfirmedAsync(Guid unitId, int year, CancellationToken ct);
}

internal sealed class ContractInputs(ISender sender) : IAnnualReviewInputs
{
    public async Task<CertifiedCountDto> GetCertifiedCountAsync(Guid unitId, int year, CancellationToken ct) =>
        await sender.Send(new GetCertifiedCount(unitId, year), ct);

    public async Task<int?> CountUnconfirmedAsync(Guid unitId, int year, CancellationToken ct)
    {
        try
        {
            var summary = await sender.Send(new GetPlacementSummary(unitId, year), ct);
            return summary.Total - summary.Confirmed;
        }
        catch (MissingMessageHandlerException)
        {
            // Placement's handlers are not composed (a host without the module): our own projection decides alone.
            return null;
        }
    }
}
