using Declaration.BuildingBlocks.Messaging;
using Declaration.Certification.Contracts;
using Declaration.Placement.Domain;

namespace Declaration.Placement.Features.Projections;

/// <summary>
/// A result Certification changed on its own (the nightly batch, or another placement of the same person certified): our projection
/// of it follows, unless we already hold that version or a newer one.
/// </summary>
internal sealed class CertificationResultChangedHandler(CertificationGateway certification) : IIntegrationEventHandler<CertificationResultChanged>
{
    public Task HandleAsync(CertificationResultChanged e, CancellationToken ct) =>
        certification.ApplyAsync([new ResultSummary(e.PlacementId, e.NewQualifyingMonths, e.PersonMonths, e.HasFlags, e.AllQualifyWithoutFlags, e.ResultVersion)], ct);
}
