using Declaration.AnnualReview.Contracts;
using Declaration.AnnualReview.Domain;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using FluentValidation;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.AnnualReview.Features.Review;

internal sealed record UnitStateRow(Guid UnitId, string State);

/// <summary>The year's progress across the caller's jurisdiction: units per state; units we never heard of are NotStarted.</summary>
internal sealed class GetAnnualProgressHandler(ISender sender, IDbSession db, ICurrentUser user) : IQueryHandler<GetAnnualProgress, AnnualProgressDto>
{
    public async ValueTask<AnnualProgressDto> Handle(GetAnnualProgress query, CancellationToken ct)
    {
        if (!user.IsStaff()) throw new ForbiddenException("仅残联业务人员可以查看年审进度");
        var total = (await sender.Send(new GetUnitsInJurisdiction(null, 1, 1), ct)).Total;
        var rows = await db.QueryAsync<UnitStateRow>(
            "SELECT unit_id AS UnitId, state AS State FROM annual_review.unit_year WHERE business_year = @year AND state <> 'NotStarted'",
            new { year = query.BusinessYear }, ct);
        var byState = Enum.GetValues<AnnualReviewState>().ToDictionary(s => s, _ => 0L);
        foreach (var chunk in rows.Chunk(1000))
        {
            var visible = (await sender.Send(new GetUnitsByIds(chunk.Select(r => r.UnitId).ToList()), ct)).Select(u => u.Id).ToHashSet();
            foreach (var row in chunk.Where(r => visible.Contains(r.UnitId)))
                byState[Enum.Parse<AnnualReviewState>(row.State)]++;
        }
        byState[AnnualReviewState.NotStarted] = Math.Max(0, total - byState.Where(kv => kv.Key != AnnualReviewState.NotStarted).Sum(kv => kv.Value));
        return new AnnualProgressDto(query.BusinessYear, total, byState);
    }
}

internal sealed class GetDeclarationWindowHandler(DeclarationWindows windows) : IQueryHandler<GetDeclarationWindow, DeclarationWindowDto>
{
    public async ValueTask<DeclarationWindowDto> Handle(GetDeclarationWindow query, CancellationToken ct)
    {
        var (opens, closes, overridden) = await windows.ForYearAsync(query.BusinessYear, ct);
        return new DeclarationWindowDto(query.BusinessYear, opens, closes, overridden, await windows.IsOpenAsync(query.BusinessYear, ct));
    }
}

internal sealed class SetDeclarationWindowValidator : AbstractValidator<SetDeclarationWindow>
{
    public SetDeclarationWindowValidator()
    {
        RuleFor(x => x.BusinessYear).InclusiveBetween(2015, 2100).WithMessage("业务年度应在2015–2100之间");
        RuleFor(x => x.Closes).GreaterThanOrEqualTo(x => x.Opens).WithMessage("申报期结束日期不能早于开始日期");
        RuleFor(x => x.Opens).Must((x, opens) => opens.Year > x.BusinessYear).WithMessage("申报期应在业务年度结束之后开始");
    }
}

/// <summary>Admins override a business year's declaration window (stored in our schema, audited).</summary>
internal sealed class SetDeclarationWindowHandler(IDbSession db, ICurrentUser user, DeclarationWindows windows, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<SetDeclarationWindow, DeclarationWindowDto>
{
    public async ValueTask<DeclarationWindowDto> Handle(SetDeclarationWindow command, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅系统管理员可以设置申报期");
        var (opens, closes, overridden) = await windows.ForYearAsync(command.BusinessYear, ct);
        await db.ExecuteAsync("""
            INSERT INTO annual_review.declaration_window (business_year, opens_on, closes_on, updated_by, updated_at)
            VALUES (@year, @opens, @closes, @by, @now)
            ON CONFLICT (business_year) DO UPDATE SET opens_on = excluded.opens_on, closes_on = excluded.closes_on,
                updated_by = excluded.updated_by, updated_at = excluded.updated_at
            """, new { year = command.BusinessYear, opens = command.Opens, closes = command.Closes, by = user.UserId, now = clock.GetUtcNow() }, ct);
        await audit.RecordAsync("AnnualReview", "DeclarationWindow", command.BusinessYear.ToString(System.Globalization.CultureInfo.InvariantCulture), null,
            "设置申报期", new { Opens = opens, Closes = closes, Overridden = overridden }, new { command.Opens, command.Closes }, ct);
        return new DeclarationWindowDto(command.BusinessYear, command.Opens, command.Closes, true, await windows.IsOpenAsync(command.BusinessYear, ct));
    }
}
