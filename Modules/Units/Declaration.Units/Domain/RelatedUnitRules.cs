using Declaration.BuildingBlocks.Domain;

namespace Declaration.Units.Domain;

/// <summary>Once a related unit has history, its credit code and region cannot change (only name, address, phone, validity end).</summary>
internal sealed class RelatedUnitWithHistoryKeepsIdentityRule(RelatedUnitRow current, DateOnly today, string newCreditCode, string? newRegion,
    string newRelationType, DateOnly newValidFrom) : IBusinessRule
{
    public bool IsBroken() => current.HasHistory(today) &&
        (!string.Equals(current.RelatedCreditCode, newCreditCode, StringComparison.Ordinal) ||
         !string.Equals(current.RegionCode ?? string.Empty, newRegion ?? string.Empty, StringComparison.Ordinal) ||
         !string.Equals(current.RelationType, newRelationType, StringComparison.Ordinal) ||
         current.ValidFrom != newValidFrom);

    public string Message => "该关联单位已产生历史数据，统一社会信用代码、所属行政区、关联类型和起始日期不能修改（可修改名称、地址、电话和终止日期）";
}

/// <summary>Evidence of a related unit with history can be added but not deleted.</summary>
internal sealed class EvidenceOfRelatedUnitWithHistoryIsKeptRule(RelatedUnitRow current, DateOnly today) : IBusinessRule
{
    public bool IsBroken() => current.HasHistory(today);
    public string Message => "该关联单位已产生历史数据，其证明材料只能补充，不能删除";
}

/// <summary>A related unit with history cannot be deleted: set its validity end instead.</summary>
internal sealed class RelatedUnitWithHistoryIsKeptRule(RelatedUnitRow current, DateOnly today) : IBusinessRule
{
    public bool IsBroken() => current.HasHistory(today);
    public string Message => "该关联单位已产生历史数据，不能删除；如关系已终止，请修改其终止日期";
}

/// <summary>A unit cannot be its own related unit.</summary>
internal sealed class UnitIsNotItsOwnRelatedUnitRule(string unitCreditCode, string relatedCreditCode) : IBusinessRule
{
    public bool IsBroken() => string.Equals(unitCreditCode, relatedCreditCode, StringComparison.Ordinal);
    public string Message => "关联单位不能是本单位自己";
}
