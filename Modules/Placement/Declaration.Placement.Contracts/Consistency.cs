using Mediator;

namespace Declaration.Placement.Contracts;

/// <summary>One placement whose copies disagree: where (the projection or copy), and what differs.</summary>
public sealed record Inconsistency(Guid PlacementId, Guid? UnitId, int? BusinessYear, string Where, string What);

/// <summary>
/// Compares every placement of its owner (Placement) with what Certification holds of it (the engine's facts, the lock, the
/// result Placement projects) and with AnnualReview's projection of its state. Admin or system only; pages through all placements.
/// </summary>
public sealed record CheckPlacementConsistency(int Limit = 1000) : IQuery<PlacementConsistencyReport>;

public sealed record PlacementConsistencyReport(long PlacementsChecked, long InconsistentCount, IReadOnlyList<Inconsistency> Inconsistencies);
