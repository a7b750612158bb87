using Declaration.AnnualReview.Contracts;
using Declaration.AnnualReview.Domain;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Units.Contracts;
using FluentValidation;
using Mediator;

namespace Declaration.AnnualReview.Features.Reopen;

internal sealed class RequestReopenValidator : AbstractValidator<RequestReopen>
{
    public RequestReopenValidator() => RuleFor(x => x.Reason)
        .NotEmpty().WithMessage("请填写申请重新编辑的原因")
        .MaximumLength(500).WithMessage("原因不能超过500字");
}

internal sealed class DecideReopenRequestValidator : AbstractValidator<DecideReopenRequest>
{
    public DecideReopenRequestValidator() => RuleFor(x => x.Comment)
        .NotEmpty().WithMessage("请填写审核意见")
        .MaximumLength(500).WithMessage("审核意见不能超过500字");
}

/// <summary>年审认证反馈: the unit asks to edit its certified year again (Certified → ReopenRequested).</summary>
internal sealed class RequestReopenHandler(ISender sender, IDbSession db, ICurrentUser user, UnitYearStore store, DeclarationWindows windows,
    IAuditLog audit, TimeProvider clock) : ICommandHandler<RequestReopen, Guid>
{
    public async ValueTask<Guid> Handle(RequestReopen command, CancellationToken ct)
    {
        if (user.Role is not (Role.Employer or Role.System)) throw new ForbiddenException("重新编辑申请须由用人单位提出");
        await sender.Send(new CheckUnitAccess(command.UnitId), ct);
        var year = await store.GetAsync(command.UnitId, command.BusinessYear, ct, forUpdate: true);
        Rules.Check(new ReopenOnlyWhenCertified(year.State));
        if (!user.IsStaff())
        {
            var (opens, closes, _) = await windows.ForYearAsync(command.BusinessYear, ct);
            Rules.Check(new ActWithinDeclarationWindow(await windows.IsOpenAsync(command.BusinessYear, ct), opens, closes));
        }
        var id = Guid.CreateVersion7();
        await db.ExecuteAsync("""
            INSERT INTO annual_review.reopen_request (id, unit_id, business_year, certificate_id, reason, requested_by, requested_by_name, requested_at)
            VALUES (@id, @unitId, @year, @certificateId, @reason, @by, @byName, @now)
            """, new
            {
                id, unitId = command.UnitId, year = command.BusinessYear, certificateId = year.CurrentCertificateId, reason = command.Reason.Trim(),
                by = user.UserId, byName = user.UserName, now = clock.GetUtcNow(),
            }, ct);
        await store.SetStateAsync(command.UnitId, command.BusinessYear, AnnualReviewState.ReopenRequested, ct);
        await audit.RecordAsync("AnnualReview", "ReopenRequest", id.ToString(), command.UnitId, "申请重新编辑（年审认证反馈）",
            new { State = year.State.ToString() }, new { command.BusinessYear, Reason = command.Reason.Trim() }, ct);
        return id;
    }
}

internal sealed record PendingRequestRow(Guid UnitId, int BusinessYear, Guid CertificateId, DateTimeOffset? DecidedAt);

/// <summary>
/// A reviewer in the unit's jurisdiction decides a reopen request. Approval revokes the certificate, publishes
/// AnnualReviewReopened (Placement unlocks) and moves the year back to InProgress; rejection moves it back to Certified.
/// </summary>
internal sealed class DecideReopenRequestHandler(ISender sender, IDbSession db, ICurrentUser user, UnitYearStore store,
    IOutbox outbox, IAuditLog audit, TimeProvider clock) : ICommandHandler<DecideReopenRequest, bool>
{
    public async ValueTask<bool> Handle(DecideReopenRequest command, CancellationToken ct)
    {
        if (!user.IsStaff()) throw new ForbiddenException("仅残联业务人员可以审核重新编辑申请");
        var request = await db.QuerySingleOrDefaultAsync<PendingRequestRow>("""
            SELECT unit_id AS UnitId, business_year AS BusinessYear, certificate_id AS CertificateId, decided_at AS DecidedAt
            FROM annual_review.reopen_request WHERE id = @id
            """, new { id = command.RequestId }, ct) ?? throw new NotFoundException("未找到该重新编辑申请");
        await sender.Send(new CheckUnitAccess(request.UnitId), ct);
        var year = await store.GetAsync(request.UnitId, request.BusinessYear, ct, forUpdate: true);
        Rules.Check(new DecideOnlyPendingRequest(request.DecidedAt is null ? year.State : AnnualReviewState.Certified));
        var now = clock.GetUtcNow();
        var comment = command.Comment.Trim();
        await db.ExecuteAsync("""
            UPDATE annual_review.reopen_request SET decided_by = @by, decided_by_name = @byName, decided_at = @now, approved = @approve, comment = @comment
            WHERE id = @id
            """, new { id = command.RequestId, by = user.UserId, byName = user.UserName, now, approve = command.Approve, comment }, ct);
        if (command.Approve)
        {
            var number = await db.QuerySingleAsync<string>("""
                UPDATE annual_review.certificate SET revoked_at = @now, revoked_reason = @comment WHERE id = @id RETURNING certificate_number
                """, new { id = request.CertificateId, now, comment }, ct);
            await store.SetStateAsync(request.UnitId, request.BusinessYear, AnnualReviewState.InProgress, ct, null, setCertificate: true);
            await outbox.AddAsync(new AnnualReviewReopened(request.UnitId, request.BusinessYear, number), ct);
        }
        else
        {
            await store.SetStateAsync(request.UnitId, request.BusinessYear, AnnualReviewState.Certified, ct);
        }
        await outbox.AddAsync(new ReopenRequestDecided(request.UnitId, request.BusinessYear, command.Approve, comment), ct);
        await audit.RecordAsync("AnnualReview", "ReopenRequest", command.RequestId.ToString(), request.UnitId,
            command.Approve ? "同意重新编辑（撤销年审认证确认书）" : "不同意重新编辑",
            new { State = year.State.ToString() }, new { request.BusinessYear, command.Approve, Comment = comment }, ct);
        return true;
    }
}

internal sealed record ReopenRow(Guid Id, Guid UnitId, int BusinessYear, string CertificateNumber, string Reason, string RequestedByName,
    DateTimeOffset RequestedAt, bool? Approved, string? DecidedByName, DateTimeOffset? DecidedAt, string? Comment);

internal static class ReopenSql
{
    public const string Select = """
        SELECT r.id AS Id, r.unit_id AS UnitId, r.business_year AS BusinessYear, c.certificate_number AS CertificateNumber, r.reason AS Reason,
               r.requested_by_name AS RequestedByName, r.requested_at AS RequestedAt, r.approved AS Approved, r.decided_by_name AS DecidedByName,
               r.decided_at AS DecidedAt, r.comment AS Comment
        FROM annual_review.reopen_request r JOIN annual_review.certificate c ON c.id = r.certificate_id
        """;

    public static ReopenRequestDto ToDto(ReopenRow r, UnitDto? unit) => new(r.Id, r.UnitId, unit?.CreditCode ?? string.Empty, unit?.Name ?? string.Empty,
        r.BusinessYear, r.CertificateNumber, r.Reason, r.RequestedByName, r.RequestedAt, r.Approved, r.DecidedByName, r.DecidedAt, r.Comment);
}

/// <summary>The reopen queue of the caller's jurisdiction (units filtered through Units' access rules).</summary>
internal sealed class GetReopenRequestsHandler(ISender sender, IDbSession db, ICurrentUser user) : IQueryHandler<GetReopenRequests, IReadOnlyList<ReopenRequestDto>>
{
    public async ValueTask<IReadOnlyList<ReopenRequestDto>> Handle(GetReopenRequests query, CancellationToken ct)
    {
        if (!user.IsStaff()) throw new ForbiddenException("仅残联业务人员可以查看重新编辑申请");
        var rows = await db.QueryAsync<ReopenRow>($"""
            {ReopenSql.Select}
            WHERE (@year::int IS NULL OR r.business_year = @year) AND (NOT @pendingOnly OR r.decided_at IS NULL)
            ORDER BY r.requested_at DESC LIMIT 500
            """, new { year = query.BusinessYear, pendingOnly = query.PendingOnly }, ct);
        if (rows.Count == 0) return [];
        var units = (await sender.Send(new GetUnitsByIds(rows.Select(r => r.UnitId).Distinct().ToList()), ct)).ToDictionary(u => u.Id);
        return rows.Where(r => units.ContainsKey(r.UnitId)).Select(r => ReopenSql.ToDto(r, units[r.UnitId])).ToList();
    }
}

internal sealed class GetUnitReopenRequestsHandler(ISender sender, IDbSession db) : IQueryHandler<GetUnitReopenRequests, IReadOnlyList<ReopenRequestDto>>
{
    public async ValueTask<IReadOnlyList<ReopenRequestDto>> Handle(GetUnitReopenRequests query, CancellationToken ct)
    {
        var unit = await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        var rows = await db.QueryAsync<ReopenRow>($"""
            {ReopenSql.Select}
            WHERE r.unit_id = @unitId AND r.business_year = @year ORDER BY r.requested_at DESC
            """, new { unitId = query.UnitId, year = query.BusinessYear }, ct);
        return rows.Select(r => ReopenSql.ToDto(r, unit)).ToList();
    }
}
