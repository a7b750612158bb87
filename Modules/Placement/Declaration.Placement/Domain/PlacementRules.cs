using Declaration.BuildingBlocks.Domain;
using Declaration.Placement.Contracts;

namespace Declaration.Placement.Domain;

/// <summary>The state machine of RULES.md §5 as named rules (each refusal is a 422 with its rule name).</summary>
internal static class PlacementTransitions
{
    public static void EnsureEditable(PlacementRow row, bool unlocked) =>
        Rules.Check(new ConfirmedPlacementIsLockedRule(row.StateValue, unlocked));

    public static void EnsureSubmittable(PlacementRow row) => Rules.Check(new OnlyDraftOrReturnedIsSubmittedRule(row.StateValue));
}

internal sealed class ConfirmedPlacementIsLockedRule(PlacementState state, bool unlocked) : IBusinessRule
{
    public bool IsBroken() => state == PlacementState.Confirmed && !unlocked;
    public string Message => "该人员已确认，不能再修改或删除；如需修改，请先提交年审认证反馈，经残联审核同意后再修改";
}

internal sealed class OnlyDraftOrReturnedIsSubmittedRule(PlacementState state) : IBusinessRule
{
    public bool IsBroken() => state is not (PlacementState.Draft or PlacementState.Returned);
    public string Message => $"该人员当前状态为“{PlacementStateLabels.Of(state)}”，不能再次提交；如需修改请点击“重新登记”";
}

internal sealed class EvidenceRequiredForDisputeRule(long evidenceCount) : IBusinessRule
{
    public bool IsBroken() => evidenceCount == 0;
    public string Message => "提出异议时请至少上传一份证明材料（PDF、JPG或PNG）";
}

internal sealed class EvidenceLimitRule(long evidenceCount) : IBusinessRule
{
    public const int Max = 20;
    public bool IsBroken() => evidenceCount >= Max;
    public string Message => $"每名人员最多上传{Max}个证明材料";
}

internal sealed class DeclarationOpenRule(bool open, string? reason) : IBusinessRule
{
    public bool IsBroken() => !open;
    public string Message => reason ?? "当前不在申报期内，不能修改安置信息";
}
