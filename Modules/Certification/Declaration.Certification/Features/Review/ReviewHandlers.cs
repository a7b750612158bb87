using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Contracts;
using Declaration.Certification.Domain;
using FluentValidation;
using Mediator;

namespace Declaration.Certification.Features.Review;

internal static class ReviewStates
{
    public static void RequireUnderReview(PlacementRow p)
    {
        if (p.State is not ("AwaitingReview" or "Disputed"))
            throw new BusinessRuleException("NotUnderReview", p.State == "Confirmed" ? "该申报记录已确认" : "该申报记录尚未提交审核");
    }
}

internal sealed class DecideMonthValidator : AbstractValidator<DecideMonth>
{
    public DecideMonthValidator()
    {
        RuleFor(c => c.Month).InclusiveBetween(1, 12).WithMessage("月份应为1–12");
        RuleFor(c => c.Comment).NotEmpty().WithMessage("请填写审核意见").MaximumLength(500).WithMessage("审核意见不超过500字");
    }
}

internal sealed class DecideMonthHandler(IDbSession db, ReviewAccess access, ICurrentUser user, IOutbox outbox, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<DecideMonth, bool>
{
    public async ValueTask<bool> Handle(DecideMonth command, CancellationToken ct)
    {
        var p = await access.ForReviewAsync(command.PlacementId, ct);
        ReviewStates.RequireUnderReview(p);
        var before = await db.QuerySingleOrDefaultAsync<DecisionRow>(
            "SELECT granted, comment FROM certification.month_decision WHERE placement_id = @PlacementId AND month = @Month", command, ct);
        await db.ExecuteAsync("""
            INSERT INTO certification.month_decision (placement_id, month, granted, comment, decided_by, decided_at)
            VALUES (@PlacementId, @Month, @Grant, @Comment, @by, @now)
            ON CONFLICT (placement_id, month) DO UPDATE SET granted = EXCLUDED.granted, comment = EXCLUDED.comment,
                decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at
            """, new { command.PlacementId, command.Month, command.Grant, Comment = command.Comment.Trim(), by = user.UserName, now = clock.GetUtcNow() }, ct);
        await outbox.AddAsync(new DisputeDecided(p.Id, p.UnitId, p.BusinessYear, command.Month, command.Grant, p.MaskedName), ct);
        await audit.RecordAsync("Certification", "MonthDecision", $"{p.Id}/{command.Month}", p.UnitId, command.Grant ? "审核通过月份" : "审核不通过月份",
            before is { } b ? new { b.Granted, b.Comment } : null, new { command.Month, Granted = command.Grant, command.Comment }, ct);
        return true;
    }

    private sealed record DecisionRow(bool Granted, string Comment);
}

internal sealed class ConfirmPlacementHandler(IDbSession db, ReviewAccess access, IOutbox outbox, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<ConfirmPlacement, bool>
{
    public async ValueTask<bool> Handle(ConfirmPlacement command, CancellationToken ct)
    {
        var p = await access.ForReviewAsync(command.PlacementId, ct);
        ReviewStates.RequireUnderReview(p);
        var undecided = await db.QueryAsync<int>("""
            SELECT m FROM unnest(@months::int[]) m
            WHERE NOT EXISTS (SELECT 1 FROM certification.month_decision d WHERE d.placement_id = @id AND d.month = m) ORDER BY m
            """, new { id = p.Id, months = p.DisputedMonths }, ct);
        if (undecided.Count > 0)
            throw new BusinessRuleException("DisputedMonthsUndecided", $"请先对异议月份（{string.Join("、", undecided)}月）逐月作出审核决定");
        var personMonths = await Confirmation.ConfirmAsync(db, p.Id, clock.GetUtcNow(), ct);
        await outbox.AddAsync(new PlacementConfirmed(p.Id, p.UnitId, p.BusinessYear, personMonths, p.MaskedName), ct);
        await audit.RecordAsync("Certification", "Placement", p.Id.ToString(), p.UnitId, "确认申报记录", new { p.State }, new { State = "Confirmed", PersonMonths = personMonths }, ct);
        return true;
    }
}

internal static class Confirmation
{
    /// <summary>Marks the placement Confirmed with its final person-months (automatic result overridden by decisions).</summary>
    public static Task<int> ConfirmAsync(IDbSession db, Guid id, DateTimeOffset now, CancellationToken ct) =>
        db.QuerySingleAsync<int>($"""
            WITH pm AS (
                SELECT coalesce(sum({ResultReader.FinalWeightSql}), 0)::int AS person_months
                FROM certification.month_result r
                LEFT JOIN certification.month_decision d ON d.placement_id = r.placement_id AND d.month = r.month
                WHERE r.placement_id = @id
            ), clean AS (
                DELETE FROM certification.placement_dirty WHERE placement_id = @id
            )
            UPDATE certification.placement SET state = 'Confirmed', confirmed_at = @now, confirmed_person_months = pm.person_months,
                updated_at = @now
            FROM pm WHERE id = @id
            RETURNING pm.person_months
            """, new { id, now }, ct);
}

internal sealed class ReturnPlacementValidator : AbstractValidator<ReturnPlacement>
{
    public ReturnPlacementValidator() =>
        RuleFor(c => c.Reason).NotEmpty().WithMessage("请填写退回原因").MaximumLength(1000).WithMessage("退回原因不超过1000字");
}

internal sealed class ReturnPlacementHandler(IDbSession db, ReviewAccess access, IOutbox outbox, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<ReturnPlacement, bool>
{
    public async ValueTask<bool> Handle(ReturnPlacement command, CancellationToken ct)
    {
        var p = await access.ForReviewAsync(command.PlacementId, ct);
        ReviewStates.RequireUnderReview(p);
        var reason = command.Reason.Trim();
        await db.ExecuteAsync("UPDATE certification.placement SET state = 'Returned', return_reason = @reason, updated_at = @now WHERE id = @id",
            new { id = p.Id, reason, now = clock.GetUtcNow() }, ct);
        await outbox.AddAsync(new PlacementReturned(p.Id, p.UnitId, p.BusinessYear, reason, p.MaskedName), ct);
        await audit.RecordAsync("Certification", "Placement", p.Id.ToString(), p.UnitId, "退回申报记录", new { p.State }, new { State = "Returned", Reason = reason }, ct);
        return true;
    }
}

internal sealed class BulkConfirmHandler(IDbSession db, ReviewAccess access, IOutbox outbox, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<BulkConfirm, int>
{
    public async ValueTask<int> Handle(BulkConfirm command, CancellationToken ct)
    {
        var confirmed = 0;
        var now = clock.GetUtcNow();
        foreach (var id in command.PlacementIds.Distinct())
        {
            var p = await access.ForReviewAsync(id, ct);
            if (p.State is not ("AwaitingReview" or "Disputed")) continue;
            var clean = await db.ExecuteScalarAsync<bool>("""
                SELECT count(*) = 12 AND bool_and(r.qualifies AND cardinality(r.flags) = 0)
                       AND NOT EXISTS (SELECT 1 FROM certification.month_decision d WHERE d.placement_id = @id AND NOT d.granted)
                FROM certification.month_result r WHERE r.placement_id = @id
                """, new { id }, ct);
            if (!clean) continue;
            var personMonths = await Confirmation.ConfirmAsync(db, id, now, ct);
            await outbox.AddAsync(new PlacementConfirmed(p.Id, p.UnitId, p.BusinessYear, personMonths, p.MaskedName), ct);
            await audit.RecordAsync("Certification", "Placement", p.Id.ToString(), p.UnitId, "批量确认申报记录", new { p.State },
                new { State = "Confirmed", PersonMonths = personMonths }, ct);
            confirmed++;
        }
        return confirmed;
    }
}

internal sealed class GetReviewQueueHandler(IDbSession db, ReviewAccess access, ICurrentUser user, IPersonalDataProtector protector)
    : IQueryHandler<GetReviewQueue, PagedResult<ReviewQueueItemDto>>
{
    public async ValueTask<PagedResult<ReviewQueueItemDto>> Handle(GetReviewQueue query, CancellationToken ct)
    {
        access.RequireStaffReader();
        var page = Math.Max(1, query.Page);
        var size = Math.Clamp(query.PageSize, 1, 200);
        var prefix = user.Role == Role.Reviewer ? user.Jurisdiction ?? "\u0000" : string.Empty;
        var search = string.IsNullOrWhiteSpace(query.Search) ? null : query.Search.Trim();
        var idHash = search is { Length: 18 } ? protector.BlindIndex(search.ToUpperInvariant()) : null;
        var args = new
        {
            prefix, year = query.BusinessYear, kind = query.Kind.ToString(), search, like = search is null ? null : "%" + search + "%",
            idHash, offset = (page - 1) * size, size,
        };
        const string where = """
            FROM certification.placement p
            JOIN certification.unit u ON u.id = p.unit_id
            WHERE p.state IN ('AwaitingReview', 'Disputed')
              AND u.federation_code LIKE @prefix || '%'
              AND (@year::int IS NULL OR p.business_year = @year)
              AND (@kind = 'All' OR (@kind = 'Disputed' AND p.state = 'Disputed') OR (@kind = 'AwaitingReview' AND p.state = 'AwaitingReview')
                   OR (@kind = 'Flagged' AND EXISTS (SELECT 1 FROM certification.month_result r WHERE r.placement_id = p.id AND cardinality(r.flags) > 0)))
              AND (@search::text IS NULL OR u.credit_code = upper(@search) OR u.name LIKE @like OR p.masked_name LIKE @like OR p.id_hash = @idHash)
            """;
        var total = await db.ExecuteScalarAsync<long>("SELECT count(*) " + where, args, ct);
        var items = await db.QueryAsync<ReviewQueueRow>($"""
            SELECT p.id, p.unit_id AS UnitId, u.credit_code AS CreditCode, u.name, p.business_year AS BusinessYear, p.masked_id AS MaskedId,
                   p.masked_name AS MaskedName, p.state,
                   (SELECT count(*) FILTER (WHERE r.qualifies) FROM certification.month_result r WHERE r.placement_id = p.id)::int AS Qualifying,
                   EXISTS (SELECT 1 FROM certification.month_result r WHERE r.placement_id = p.id AND cardinality(r.flags) > 0) AS HasFlags,
                   p.disputed_months AS DisputedMonths, coalesce(p.submitted_at, p.updated_at) AS SubmittedAt
            {where}
            ORDER BY (p.state = 'Disputed') DESC, coalesce(p.submitted_at, p.updated_at), p.id
            OFFSET @offset LIMIT @size
            """, args, ct);
        return new PagedResult<ReviewQueueItemDto>(items.Select(i => new ReviewQueueItemDto(i.Id, i.UnitId, i.CreditCode, i.Name, i.BusinessYear,
            i.MaskedId, i.MaskedName, i.State, i.Qualifying, i.HasFlags, i.DisputedMonths, i.SubmittedAt)).ToList(), page, size, total);
    }

    private sealed record ReviewQueueRow
    {
        public Guid Id { get; init; }
        public Guid UnitId { get; init; }
        public string CreditCode { get; init; } = null!;
        public string Name { get; init; } = null!;
        public int BusinessYear { get; init; }
        public string MaskedId { get; init; } = null!;
        public string MaskedName { get; init; } = null!;
        public string State { get; init; } = null!;
        public int Qualifying { get; init; }
        public bool HasFlags { get; init; }
        public int[] DisputedMonths { get; init; } = null!;
        public DateTimeOffset SubmittedAt { get; init; }
    }
}

internal sealed class GetReviewDetailHandler(IDbSession db, ReviewAccess access, ResultReader reader, ICurrentUser user)
    : IQueryHandler<GetReviewDetail, ReviewDetailDto>
{
    public async ValueTask<ReviewDetailDto> Handle(GetReviewDetail query, CancellationToken ct)
    {
        var p = await access.ForReadAsync(query.PlacementId, ct) ?? throw new NotFoundException("未找到该申报记录");
        if (user.Role == Role.Employer) throw new ForbiddenException("仅审核人员可以查看审核详情");
        var unitName = await db.ExecuteScalarAsync<string>("SELECT name FROM certification.unit WHERE id = @UnitId", p, ct) ?? p.CreditCode;
        var result = await reader.ResultAsync(p.Id, ct) ?? throw new NotFoundException("该申报记录尚无认证结果");
        return new ReviewDetailDto(p.Id, p.UnitId, p.CreditCode, unitName, p.BusinessYear, p.MaskedId, p.MaskedName, p.State, p.DisputedMonths,
            p.DisputeReason, p.ReturnReason, p.SubmittedAt, result);
    }
}
