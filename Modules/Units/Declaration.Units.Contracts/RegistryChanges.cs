using Declaration.BuildingBlocks.Application;
using Mediator;

namespace Declaration.Units.Contracts;

public enum RegistryChangeStatus { Pending, Approved, Rejected, Withdrawn }

public static class RegistryChangeLabels
{
    public static readonly IReadOnlyDictionary<RegistryChangeStatus, string> Status = new Dictionary<RegistryChangeStatus, string>
    {
        [RegistryChangeStatus.Pending] = "待审核", [RegistryChangeStatus.Approved] = "已批准",
        [RegistryChangeStatus.Rejected] = "未批准", [RegistryChangeStatus.Withdrawn] = "已撤回",
    };
}

/// <summary>A unit's request to change its registry facts: what they were when it asked, what it asks for, and the decision.</summary>
public sealed record RegistryChangeDto(
    Guid Id, Guid UnitId, string UnitCreditCode, string UnitName,
    string CurrentRegionCode, string CurrentFederationCode, string CurrentTaxAuthorityCode,
    string RegionCode, string FederationCode, string TaxAuthorityCode, string Reason, RegistryChangeStatus Status,
    DateTimeOffset RequestedAt, string RequestedBy, DateTimeOffset? DecidedAt, string? DecidedBy, string? DecisionComment, int Version);

/// <summary>
/// Region, supervising federation and tax authority are registry facts: they change by the registry import, or by this request of the
/// unit's own clerk once a reviewer whose jurisdiction covers the unit's current federation approves it. One pending request a unit.
/// </summary>
public sealed record RequestRegistryChange(Guid UnitId, string RegionCode, string FederationCode, string TaxAuthorityCode, string Reason) : ICommand<Guid>;

/// <summary>The unit withdraws its pending request.</summary>
public sealed record WithdrawRegistryChange(Guid UnitId, Guid RequestId) : ICommand<bool>;

/// <summary>The unit's requests, newest first (the unit, and staff in jurisdiction).</summary>
public sealed record GetRegistryChanges(Guid UnitId) : IQuery<IReadOnlyList<RegistryChangeDto>>;

/// <summary>Pending requests of units whose current federation is in the caller's jurisdiction (staff).</summary>
public sealed record GetPendingRegistryChanges(int Page = 1, int PageSize = 20) : IQuery<PagedResult<RegistryChangeDto>>;

/// <summary>
/// A reviewer covering the unit's current federation (or an admin) approves — the unit's registry facts change, audited, and
/// <see cref="UnitProfileChanged"/> is published — or rejects with a comment. A request whose unit's facts changed meanwhile (registry
/// import) cannot be approved (409).
/// </summary>
public sealed record DecideRegistryChange(Guid RequestId, bool Approve, string? Comment) : ICommand<bool>;
