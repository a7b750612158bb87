using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.Units.Contracts;
using Declaration.Units.Domain;
using FluentValidation;
using Mediator;

namespace Declaration.Units.Features.Workforce;

internal sealed class SaveUnitWorkforceValidator : AbstractValidator<SaveUnitWorkforce>
{
    public SaveUnitWorkforceValidator()
    {
        RuleFor(x => x.BusinessYear).InclusiveBetween(2015, 2100).WithMessage("业务年度无效");
        RuleFor(x => x.Headcount).GreaterThan(0).WithMessage("在职职工人数应大于0")
            .LessThanOrEqualTo(10_000_000).WithMessage("在职职工人数过大")
            .Must(h => decimal.Round(h, 2) == h).WithMessage("在职职工人数最多保留两位小数");
        RuleFor(x => x.AverageAnnualWage).GreaterThan(0).WithMessage("在职职工年平均工资应大于0")
            .LessThanOrEqualTo(100_000_000).WithMessage("在职职工年平均工资过大")
            .Must(w => decimal.Round(w, 2) == w).WithMessage("年平均工资最多保留两位小数（元）");
    }
}

internal sealed class SaveUnitWorkforceHandler(IDbSession db, UnitAccess access, IAuditLog audit, ICurrentUser user, TimeProvider clock)
    : ICommandHandler<SaveUnitWorkforce, bool>
{
    public async ValueTask<bool> Handle(SaveUnitWorkforce command, CancellationToken ct)
    {
        await access.LoadForEditAsync(command.UnitId, ct);
        var before = await db.QuerySingleOrDefaultAsync<UnitWorkforceDto>(WorkforceSql.Select, new { command.UnitId, command.BusinessYear }, ct);
        await db.ExecuteAsync("""
            INSERT INTO units.unit_workforce (unit_id, business_year, headcount, average_annual_wage, updated_at, updated_by)
            VALUES (@UnitId, @BusinessYear, @Headcount, @AverageAnnualWage, @now, @by)
            ON CONFLICT (unit_id, business_year) DO UPDATE SET headcount = excluded.headcount,
                average_annual_wage = excluded.average_annual_wage, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """, new { command.UnitId, command.BusinessYear, command.Headcount, command.AverageAnnualWage, now = clock.GetUtcNow(), by = user.UserId }, ct);
        await audit.RecordAsync("Units", "UnitWorkforce", $"{command.UnitId}/{command.BusinessYear}", command.UnitId, $"填写{command.BusinessYear}年度在职职工人数和年平均工资",
            before is null ? null : new { before.Headcount, before.AverageAnnualWage }, new { command.Headcount, command.AverageAnnualWage }, ct);
        return true;
    }
}

internal sealed class GetUnitWorkforceHandler(IDbSession db, UnitAccess access) : IQueryHandler<GetUnitWorkforce, UnitWorkforceDto?>
{
    public async ValueTask<UnitWorkforceDto?> Handle(GetUnitWorkforce query, CancellationToken ct)
    {
        await access.LoadAsync(query.UnitId, ct);
        return await db.QuerySingleOrDefaultAsync<UnitWorkforceDto>(WorkforceSql.Select, new { query.UnitId, query.BusinessYear }, ct);
    }
}

internal static class WorkforceSql
{
    public const string Select = """
        SELECT unit_id AS UnitId, business_year AS BusinessYear, headcount, average_annual_wage AS AverageAnnualWage, updated_at AS UpdatedAt
        FROM units.unit_workforce WHERE unit_id = @UnitId AND business_year = @BusinessYear
        """;
}
