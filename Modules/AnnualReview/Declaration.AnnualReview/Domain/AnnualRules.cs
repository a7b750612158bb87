using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Domain;

namespace Declaration.AnnualReview.Domain;

// The named rules of RULES.md §6: each refusal is a BusinessRuleException carrying the rule's class name.

internal sealed record CertifyOnlyWhenAllPlacementsConfirmed(int Total, int Confirmed) : IBusinessRule
{
    public bool IsBroken() => Confirmed < Total;
    public string Message => $"还有 {Total - Confirmed} 条安置信息未经残联确认，全部确认后才能进行年审认证";
}

internal sealed record CertifyOnlyOnce(AnnualReviewState State) : IBusinessRule
{
    public bool IsBroken() => State == AnnualReviewState.Certified;
    public string Message => "本年度已完成年审认证，不能重复认证；如需修改，请通过“年审认证反馈”申请重新编辑";
}

internal sealed record NoCertifyWhileReopenRequested(AnnualReviewState State) : IBusinessRule
{
    public bool IsBroken() => State == AnnualReviewState.ReopenRequested;
    public string Message => "已提交重新编辑申请，请等待残联审核后再操作";
}

internal sealed record ActWithinDeclarationWindow(bool Open, DateOnly Opens, DateOnly Closes) : IBusinessRule
{
    public bool IsBroken() => !Open;
    public string Message => $"不在申报期内（申报期为 {Opens:yyyy年M月d日} 至 {Closes:yyyy年M月d日}），只能查看，不能修改";
}

internal sealed record ReopenOnlyWhenCertified(AnnualReviewState State) : IBusinessRule
{
    public bool IsBroken() => State != AnnualReviewState.Certified;
    public string Message => State == AnnualReviewState.ReopenRequested
        ? "已提交重新编辑申请，请勿重复提交，等待残联审核即可"
        : "本年度尚未完成年审认证，无需申请重新编辑";
}

internal sealed record DecideOnlyPendingRequest(AnnualReviewState State) : IBusinessRule
{
    public bool IsBroken() => State != AnnualReviewState.ReopenRequested;
    public string Message => "该单位没有待审核的重新编辑申请（可能已被处理）";
}
