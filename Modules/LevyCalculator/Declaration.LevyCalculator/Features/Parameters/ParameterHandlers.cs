using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.LevyCalculator.Contracts;
using Declaration.LevyCalculator.Infrastructure;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Declaration.LevyCalculator.Features.Parameters;

internal static class AdminOnly
{
    public static void Check(ICurrentUser user)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅系统管理员可维护残保金政策参数");
    }
}

internal sealed class SaveLevyParameterValidator : AbstractValidator<SaveLevyParameter>
{
    public SaveLevyParameterValidator()
    {
        RuleFor(x => x.BusinessYear).InclusiveBetween(2000, 2100).WithMessage("业务年度应为2000至2100之间的年份");
        RuleFor(x => x.RegionCode).Must(r => Identifiers.CheckRegionCode(r) is null).WithMessage("地区应为6位行政区划代码（如浙江省 330000、杭州市 330100）");
        RuleFor(x => x.QuotaRatio).GreaterThan(0).LessThanOrEqualTo(0.1m).WithMessage("安置比例应大于0且不超过0.1（如1.5%填0.015）");
        RuleFor(x => x.LocalAverageWage).GreaterThan(0).WithMessage("当地社会平均工资应大于0（未公布时留空）")
            .LessThanOrEqualTo(100_000_000m).WithMessage("当地社会平均工资过大").When(x => x.LocalAverageWage is not null);
        RuleFor(x => x.CapMultiple).GreaterThan(0).LessThanOrEqualTo(10).WithMessage("封顶倍数应大于0且不超过10");
        RuleFor(x => x.CapFromYear).InclusiveBetween(2000, 2100).WithMessage("封顶起始年度应为2000至2100之间的年份");
        RuleFor(x => x.ExemptionThreshold).GreaterThanOrEqualTo(0).LessThanOrEqualTo(100_000).WithMessage("免征人数上限应为0至100000之间的数")
            .When(x => x.ExemptionThreshold is not null);
        RuleFor(x => x.ExemptionFromYear).InclusiveBetween(2000, 2100).WithMessage("免征起始年度应为2000至2100之间的年份").When(x => x.ExemptionFromYear is not null);
        RuleFor(x => x.ExemptionToYear).InclusiveBetween(2000, 2100).WithMessage("免征截止年度应为2000至2100之间的年份").When(x => x.ExemptionToYear is not null);
        RuleFor(x => x.ExemptionToYear).Must((x, to) => x.ExemptionFromYear is null || to >= x.ExemptionFromYear)
            .WithMessage("免征截止年度不能早于起始年度").When(x => x.ExemptionToYear is not null);
        RuleFor(x => x.ExemptionFromYear).Null().WithMessage("未设置免征人数上限时，不应填写免征年度").When(x => x.ExemptionThreshold is null);
        RuleFor(x => x.TierFromYear).InclusiveBetween(2000, 2100).WithMessage("分档减缴起始年度应为2000至2100之间的年份").When(x => x.TierFromYear is not null);
        RuleFor(x => x.TierToYear).InclusiveBetween(2000, 2100).WithMessage("分档减缴截止年度应为2000至2100之间的年份").When(x => x.TierToYear is not null);
        RuleFor(x => x.TierToYear).Must((x, to) => x.TierFromYear is not null && to >= x.TierFromYear)
            .WithMessage("分档减缴截止年度应不早于起始年度（并须填写起始年度）").When(x => x.TierToYear is not null);
        RuleFor(x => x.TierRatioThreshold).GreaterThanOrEqualTo(0).LessThanOrEqualTo(0.1m).WithMessage("分档比例界限应为0至0.1之间的小数（如1%填0.01）");
        RuleFor(x => x.TierShareAtOrAbove).InclusiveBetween(0, 1).WithMessage("达到界限的缴纳比例应为0至1之间的小数（如50%填0.5）");
        RuleFor(x => x.TierShareBelow).InclusiveBetween(0, 1).WithMessage("低于界限的缴纳比例应为0至1之间的小数（如90%填0.9）");
        RuleFor(x => x.TierShareAtOrAbove).LessThanOrEqualTo(x => x.TierShareBelow)
            .WithMessage("达到界限的缴纳比例不应高于低于界限的缴纳比例（多安置不应多缴）").When(x => x.TierShareBelow is >= 0 and <= 1);
    }
}

internal sealed class GetLevyParametersHandler(ParameterStore store, ICurrentUser user)
    : IQueryHandler<GetLevyParameters, IReadOnlyList<LevyParameterDto>>, IQueryHandler<GetLevyParameter, LevyParameterDto>
{
    public async ValueTask<IReadOnlyList<LevyParameterDto>> Handle(GetLevyParameters query, CancellationToken ct)
    {
        AdminOnly.Check(user);
        return await store.ListAsync(query.BusinessYear, ct);
    }

    public async ValueTask<LevyParameterDto> Handle(GetLevyParameter query, CancellationToken ct)
    {
        AdminOnly.Check(user);
        return await store.GetAsync(query.Id, ct) ?? throw new NotFoundException("未找到该残保金政策参数");
    }
}

internal sealed class SaveLevyParameterHandler(IDbSession db, ParameterStore store, ICurrentUser user, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<SaveLevyParameter, LevyParameterSaved>
{
    public async ValueTask<LevyParameterSaved> Handle(SaveLevyParameter command, CancellationToken ct)
    {
        AdminOnly.Check(user);
        var region = command.RegionCode.Trim();
        var values = new
        {
            command.Id, command.Version, command.BusinessYear, RegionCode = region, command.QuotaRatio, command.LocalAverageWage, command.CapMultiple,
            command.CapFromYear, command.ExemptionThreshold, command.ExemptionFromYear, command.ExemptionToYear, command.TierFromYear,
            command.TierToYear, command.TierRatioThreshold, command.TierShareAtOrAbove, command.TierShareBelow,
            now = clock.GetUtcNow(), by = user.UserName,
        };
        if (command.Id is null)
        {
            if (await db.ExecuteScalarAsync<int?>("SELECT id FROM levy.parameter WHERE business_year = @BusinessYear AND region_code = @RegionCode", values, ct) is not null)
                throw new ConflictException($"{command.BusinessYear}年度地区 {region} 的参数已存在，请直接修改");
            int id;
            try
            {
                id = await db.ExecuteScalarAsync<int>("""
                    INSERT INTO levy.parameter (business_year, region_code, quota_ratio, local_average_wage, cap_multiple, cap_from_year,
                        exemption_threshold, exemption_from_year, exemption_to_year, tier_from_year, tier_to_year,
                        tier_ratio_threshold, tier_share_at_or_above, tier_share_below, version, updated_at, updated_by)
                    VALUES (@BusinessYear, @RegionCode, @QuotaRatio, @LocalAverageWage, @CapMultiple, @CapFromYear,
                        @ExemptionThreshold, @ExemptionFromYear, @ExemptionToYear, @TierFromYear, @TierToYear,
                        @TierRatioThreshold, @TierShareAtOrAbove, @TierShareBelow, 1, @now, @by)
                    RETURNING id
                    """, values, ct);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new ConflictException($"{command.BusinessYear}年度地区 {region} 的参数已存在，请直接修改");
            }
            var created = await store.GetAsync(id, ct);
            await audit.RecordAsync("LevyCalculator", "LevyParameter", id.ToString(System.Globalization.CultureInfo.InvariantCulture), null,
                "新增残保金政策参数", null, Audited(created!), ct);
            return new LevyParameterSaved(id, 1);
        }

        var before = await store.GetAsync(command.Id.Value, ct) ?? throw new NotFoundException("未找到该残保金政策参数");
        if (before.Version != command.Version)
            throw new ConflictException("该参数已被他人修改（您看到的是旧版本），请刷新页面后重新修改");
        if (before.BusinessYear != command.BusinessYear || before.RegionCode != region)
            throw new InputException("BusinessYear", "不能修改已有参数的业务年度或地区，请新增一行");
        var version = await db.ExecuteScalarAsync<int>("""
            UPDATE levy.parameter SET quota_ratio = @QuotaRatio, local_average_wage = @LocalAverageWage, cap_multiple = @CapMultiple,
                cap_from_year = @CapFromYear, exemption_threshold = @ExemptionThreshold, exemption_from_year = @ExemptionFromYear,
                exemption_to_year = @ExemptionToYear, tier_from_year = @TierFromYear, tier_to_year = @TierToYear,
                tier_ratio_threshold = @TierRatioThreshold, tier_share_at_or_above = @TierShareAtOrAbove, tier_share_below = @TierShareBelow,
                version = version + 1, updated_at = @now, updated_by = @by
            WHERE id = @Id AND version = @Version RETURNING version
            """, values, ct);
        if (version == 0) throw new ConflictException("该参数已被他人修改，请刷新页面后重新修改");
        var after = await store.GetAsync(command.Id.Value, ct);
        await audit.RecordAsync("LevyCalculator", "LevyParameter", before.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), null,
            "修改残保金政策参数", Audited(before), Audited(after!), ct);
        return new LevyParameterSaved(before.Id, version);
    }

    /// <summary>The audited view of a row (no version or timestamps).</summary>
    private static object Audited(LevyParameterDto p) => new
    {
        p.BusinessYear, p.RegionCode, p.QuotaRatio, p.LocalAverageWage, p.CapMultiple, p.CapFromYear, p.ExemptionThreshold,
        p.ExemptionFromYear, p.ExemptionToYear, p.TierFromYear, p.TierToYear, p.TierRatioThreshold, p.TierShareAtOrAbove, p.TierShareBelow,
    };
}

internal sealed class GetLevyParameterHistoryHandler(IDbSession db, ICurrentUser user) : IQueryHandler<GetLevyParameterHistory, IReadOnlyList<LevyParameterChange>>
{
    public async ValueTask<IReadOnlyList<LevyParameterChange>> Handle(GetLevyParameterHistory query, CancellationToken ct)
    {
        AdminOnly.Check(user);
        return await db.QueryAsync<LevyParameterChange>("""
            SELECT at, entity_id AS EntityId, action, actor_name AS ActorName, before::text AS Before, after::text AS After
            FROM platform.audit_log WHERE module = 'LevyCalculator' AND entity_type = 'LevyParameter'
            ORDER BY at DESC, id DESC LIMIT @limit
            """, new { limit = Math.Clamp(query.Limit, 1, 500) }, ct);
    }
}
