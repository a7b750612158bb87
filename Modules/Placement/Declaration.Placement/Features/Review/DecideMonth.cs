using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Placement.Contracts;
using Declaration.Placement.Domain;
using FluentValidation;
using Mediator;

namespace Declaration.Placement.Features.Review;

internal sealed class DecideMonthValidator : AbstractValidator<DecideMonth>
{
    public DecideMonthValidator()
    {
        RuleFor(c => c.Month).InclusiveBetween(1, 12).WithMessage("月份应为1–12");
        RuleFor(c => c.Comment).NotEmpty().WithMessage("请填写审核意见").MaximumLength(500).WithMessage("审核意见不超过500字");
    }
}

/// <summary>A reviewer grants or denies one month of a placement under review, with a comment (the unit is texted).</summary>
internal sealed class DecideMonthHandler(IDbSession db, ReviewAccess access, ICurrentUser user, IOutbox outbox, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<DecideMonth, bool>
{
    public async ValueTask<bool> Handle(DecideMonth command, CancellationToken ct)
    {
        var (_, p) = await access.ForReviewAsync(command.PlacementId, ct);
        ReviewAccess.RequireUnderReview(p);
        var comment = command.Comment.Trim();
        var before = await db.QuerySingleOrDefaultAsync<DecisionRow>(
            "SELECT granted, comment FROM placement.month_decision WHERE placement_id = @PlacementId AND month = @Month", command, ct);
        await db.ExecuteAsync("""
            INSERT INTO placement.month_decision (placement_id, month, granted, comment, decided_by, decided_at)
            VALUES (@PlacementId, @Month, @Grant, @comment, @by, @now)
            ON CONFLICT (placement_id, month) DO UPDATE SET granted = EXCLUDED.granted, comment = EXCLUDED.comment,
                decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at
            """, new { command.PlacementId, command.Month, command.Grant, comment, by = user.UserName, now = clock.GetUtcNow() }, ct);
        await outbox.AddAsync(new DisputeDecided(p.Id, p.UnitId, p.BusinessYear, command.Month, command.Grant, p.NameMasked), ct);
        await audit.RecordAsync(PlacementWriter.Module, "MonthDecision", $"{p.Id}/{command.Month}", p.UnitId, command.Grant ? "审核通过月份" : "审核不通过月份",
            before is { } b ? new { b.Granted, b.Comment } : null, new { command.Month, Granted = command.Grant, Comment = comment }, ct);
        return true;
    }

    private sealed record DecisionRow(bool Granted, string Comment);
}
