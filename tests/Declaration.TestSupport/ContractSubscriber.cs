using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Certification.Contracts;

namespace Declaration.TestSupport;

/// <summary>
/// A subscriber to <see cref="PlacementCertified"/> that does nothing: it stands for a consumer outside the composed modules (a
/// broker's), so that the tests of that published event find it written (with the database fan-out an event nothing handles is not).
/// </summary>
public sealed class PlacementCertifiedSubscriber : IIntegrationEventHandler<PlacementCertified>
{
    public Task HandleAsync(PlacementCertified @event, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>The same stand-in for a consumer outside of <see cref="AnnualReviewReopened"/>.</summary>
public sealed class AnnualReviewReopenedSubscriber : IIntegrationEventHandler<AnnualReviewReopened>
{
    public Task HandleAsync(AnnualReviewReopened @event, CancellationToken ct) => Task.CompletedTask;
}
