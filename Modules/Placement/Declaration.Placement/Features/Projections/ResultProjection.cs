using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Certification.Contracts;
using Declaration.Placement.Domain;

namespace Declaration.Placement.Features.Projections;

/// <summary>
/// A result Certification changed on its own (the nightly batch, or another placement of the same person certified): our projection
/// of it follows, unless we already hold that version or a newer one.
/// </summary>
internal sealed class CertificationResultChangedHandler(ResultProjection projection) : IIntegrationEventHandler<CertificationResultChanged>
{
    public Task HandleAsync(CertificationResultChanged e, CancellationToken ct) =>
        projection.AddAsync(new ResultSummary(e.PlacementId, e.NewQualifyingMonths, e.PersonMonths, e.HasFlags, e.AllQualifyWithoutFlags, e.ResultVersion), ct);
}

/// <summary>
/// The results of one delivery transaction (an inbox batch), gathered and written once, just before its COMMIT and with it, by
/// <see cref="CertificationGateway.ApplyCommand"/> (the rows locked in key order, each placement's newest result applied unless
/// ours is as new). Written one event at a time, two inbox workers whose batches shared placements locked them in their batches'
/// orders and could wait on each other in a circle — each such deadlock held both for a second (PostgreSQL's deadlock_timeout)
/// and sent one batch back to be applied an event at a time (a nightly run's events: hundreds of them).
/// </summary>
internal sealed class ResultProjection(IDbSession db)
{
    private readonly Dictionary<Guid, ResultSummary> _pending = [];

    public Task AddAsync(ResultSummary result, CancellationToken ct)
    {
        if (db.Transaction is null) throw new InvalidOperationException("The result projection is applied inside a delivery's transaction.");
        if (_pending.Count == 0) db.BeforeCommit(WriteAsync, _pending.Clear);
        if (!_pending.TryGetValue(result.PlacementId, out var held) || held.Version < result.Version) _pending[result.PlacementId] = result;
        return Task.CompletedTask;
    }

    private async Task WriteAsync(CancellationToken ct)
    {
        var results = _pending.Values.ToArray();
        _pending.Clear();
        if (results.Length > 0) await db.DeferAsync(CertificationGateway.ApplyCommand(results), ct);
    }
}
