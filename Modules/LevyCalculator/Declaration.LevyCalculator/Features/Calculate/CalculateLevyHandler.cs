using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.LevyCalculator.Contracts;
using Declaration.LevyCalculator.Domain;
using Declaration.LevyCalculator.Infrastructure;
using Declaration.Units.Contracts;
using FluentValidation;
using Mediator;

namespace Declaration.LevyCalculator.Features.Calculate;

internal sealed class CalculateLevyValidator : AbstractValidator<CalculateLevy>
{
    public const decimal MaxHeadcount = 10_000_000m;
    public const decimal MaxWage = 100_000_000m;

    public CalculateLevyValidator()
    {
        RuleFor(x => x.BusinessYear).InclusiveBetween(2000, 2100).WithMessage("业务年度应为2000至2100之间的年份");
        RuleFor(x => x.RegionCode).Must(r => Identifiers.CheckRegionCode(r) is null)
            .WithMessage(x => $"地区{Identifiers.CheckRegionCode(x.RegionCode)}（如浙江省 330000、杭州市 330100）");
        RuleFor(x => x.UnitType).Must(t => t is not null && UnitTypes.Labels.ContainsKey(t))
            .WithMessage("单位类型应为企业、机关、事业单位、社会团体或民办非企业单位（enterprise、government、institution、social_organization、private_non_enterprise）");
        RuleFor(x => x.Headcount).GreaterThanOrEqualTo(0).WithMessage("单位员工数不能为负数")
            .LessThanOrEqualTo(MaxHeadcount).WithMessage("单位员工数过大");
        RuleFor(x => x.AverageAnnualWage).GreaterThanOrEqualTo(0).WithMessage("年平均工资不能为负数")
            .LessThanOrEqualTo(MaxWage).WithMessage("年平均工资过大");
        RuleFor(x => x.PlainPersonMonths).GreaterThanOrEqualTo(0).WithMessage("安置人月数不能为负数");
        RuleFor(x => x.SeverePersonMonths).GreaterThanOrEqualTo(0).WithMessage("重度残疾人安置人月数不能为负数");
        RuleFor(x => x.Headcount).Must((x, h) => h != 0 || x.PlainPersonMonths + x.SeverePersonMonths <= 0)
            .WithMessage("单位员工数为0时不能有安置人月数，请填写单位员工数");
        RuleFor(x => x.PlainPersonMonths).Must((x, _) => x.PlainPersonMonths + x.SeverePersonMonths <= 12m * x.Headcount)
            .When(x => x is { Headcount: > 0, PlainPersonMonths: >= 0, SeverePersonMonths: >= 0 })
            .WithMessage("安置人月数合计不能超过单位员工数×12（安置的残疾人也是单位员工）");
        RuleFor(x => x.LocalAverageWage).GreaterThan(0).WithMessage("当地社会平均工资应大于0")
            .LessThanOrEqualTo(MaxWage).WithMessage("当地社会平均工资过大").When(x => x.LocalAverageWage is not null);
        RuleFor(x => x.QuotaRatio).GreaterThan(0).LessThanOrEqualTo(0.1m)
            .WithMessage("安置比例应大于0且不超过0.1（如1.5%填0.015）").When(x => x.QuotaRatio is not null);
    }
}

/// <summary>RULES.md §7: the parameters of the year and region (most specific row), overridden by the request's q and L.</summary>
internal sealed class CalculateLevyHandler(ParameterStore store) : IQueryHandler<CalculateLevy, LevyResultDto>
{
    public async ValueTask<LevyResultDto> Handle(CalculateLevy query, CancellationToken ct)
    {
        var region = query.RegionCode.Trim();
        var row = await store.FindAsync(query.BusinessYear, region, ct);
        if (row is null)
        {
            var years = await store.YearsCoveringAsync(region, ct);
            if (years.Count == 0)
                throw new BusinessRuleException("LEVY_REGION_UNKNOWN",
                    $"地区 {region} 没有残保金政策参数（本系统适用于浙江省，地区代码以33开头，如 330000、330106）");
            throw new BusinessRuleException("LEVY_YEAR_NO_PARAMETERS",
                $"{query.BusinessYear}年度没有地区 {region} 的残保金政策参数（已有{years[0]}—{years[^1]}年度），请联系管理员维护");
        }

        var policy = LevyPolicy.From(row) with
        {
            QuotaRatio = query.QuotaRatio ?? row.QuotaRatio,
            LocalAverageWage = query.LocalAverageWage ?? row.LocalAverageWage,
        };
        var input = new LevyInput(query.BusinessYear, query.UnitType == UnitTypes.Enterprise, query.Headcount, query.AverageAnnualWage,
            query.PlainPersonMonths + 2m * query.SeverePersonMonths);
        var result = LevyFormula.Calculate(input, policy);

        var notes = new List<string> { $"适用{row.BusinessYear}年度地区 {row.RegionCode} 的政策参数" };
        if (query.QuotaRatio is not null) notes.Add("安置比例按输入值计算，未采用系统参数");
        if (query.LocalAverageWage is not null) notes.Add("当地社会平均工资按输入值计算，未采用系统参数");
        notes.AddRange(result.Notes);
        return result with { Notes = notes };
    }
}
