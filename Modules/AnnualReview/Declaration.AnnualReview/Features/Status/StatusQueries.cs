using System.Globalization;
using Declaration.AnnualReview.Contracts;
using Declaration.AnnualReview.Domain;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.AnnualReview.Features.Status;

/// <summary>
/// Placement asks before every change: the year must be neither Certified nor ReopenRequested, and an employer must be
/// inside the declaration window (reviewers, admins and the system may act outside it). The year's state, a revoked certificate of
/// the year and the year's window are read by one statement (every declaration asks).
/// </summary>
internal sealed class CheckDeclarationOpenHandler(ISender sender, ICurrentUser user, IDbSession db, DeclarationWindows windows)
    : IQueryHandler<CheckDeclarationOpen, DeclarationOpenDto>
{
    public async ValueTask<DeclarationOpenDto> Handle(CheckDeclarationOpen query, CancellationToken ct)
    {
        await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        var row = await db.QuerySingleAsync<OpenRow>($"""
            SELECT {DeclarationRefusal.YearState} AS State,
                   EXISTS (SELECT 1 FROM annual_review.certificate c
                           WHERE c.unit_id = @UnitId AND c.business_year = @BusinessYear AND c.revoked_at IS NOT NULL) AS Reopened,
                   w.opens_on AS OpensOn, w.closes_on AS ClosesOn
            {DeclarationRefusal.FromYearWindow}
            """, query, ct);
        var state = row.State is null ? AnnualReviewState.NotStarted : Enum.Parse<AnnualReviewState>(row.State);
        if (DeclarationRefusal.ForState(state, query.BusinessYear) is { } refused) return new DeclarationOpenDto(false, refused);
        var (opens, closes) = row.OpensOn is { } o && row.ClosesOn is { } c ? (o, c) : windows.Default(query.BusinessYear);
        if (!user.IsStaff() && !windows.IsOpen(opens, closes))
            return new DeclarationOpenDto(false, DeclarationRefusal.OutsideWindow(query.BusinessYear, opens, closes));
        // Not certified now, and a certificate of the year was revoked: an approved reopen request unlocked the confirmed placements
        // until the year is certified again.
        return new DeclarationOpenDto(true, null, row.Reopened);
    }

    private sealed class OpenRow
    {
        public string? State { get; init; }
        public bool Reopened { get; init; }
        public DateOnly? OpensOn { get; init; }
        public DateOnly? ClosesOn { get; init; }
    }
}

/// <summary>
/// <see cref="EnsureDeclarationOpenAtCommit"/>: the same rule as <see cref="CheckDeclarationOpenHandler"/>, as a statement queued for the
/// COMMIT. It selects nothing when the year is open; otherwise it calls <c>annual_review.refuse_declaration</c>, whose error carries
/// the state or the window's days, and the refusal is composed from them as the read would have composed it.
/// </summary>
internal sealed class EnsureDeclarationOpenAtCommitHandler(ISender sender, ICurrentUser user, IDbSession db, DeclarationWindows windows, TimeProvider clock)
    : ICommandHandler<EnsureDeclarationOpenAtCommit>
{
    private const string Constraint = "annual_review_declaration_open";

    public async ValueTask<Mediator.Unit> Handle(EnsureDeclarationOpenAtCommit command, CancellationToken ct)
    {
        if (db.Transaction is null) throw new InvalidOperationException("The check travels with a transaction's COMMIT.");
        await sender.Send(new CheckUnitAccess(command.UnitId), ct);
        var (opens, closes) = windows.Default(command.BusinessYear);
        await db.DeferAsync(BatchCommands.Create($"""
            SELECT annual_review.refuse_declaration(r.state, r.opens_on, r.closes_on)
            FROM (SELECT {DeclarationRefusal.YearState} AS state, coalesce(w.opens_on, @opens) AS opens_on, coalesce(w.closes_on, @closes) AS closes_on
                  {DeclarationRefusal.FromYearWindow}) r
            WHERE r.state IN ('Certified', 'ReopenRequested') OR (@window AND NOT (@today BETWEEN r.opens_on AND r.closes_on))
            """, new { command.UnitId, command.BusinessYear, opens, closes, window = !user.IsStaff(), today = ChinaTime.Today(clock) }),
            ct, ex => ex.ConstraintName == Constraint ? Refusal(command.BusinessYear, ex.MessageText) : null);
        return Mediator.Unit.Value;
    }

    /// <summary>The refusal from the function's message: <c>declaration closed|state|first day|last day</c>.</summary>
    private static BusinessRuleException Refusal(int year, string text)
    {
        var parts = text.Split('|');
        var message = parts[1] is { Length: > 0 } state && DeclarationRefusal.ForState(Enum.Parse<AnnualReviewState>(state), year) is { } refused
            ? refused
            : DeclarationRefusal.OutsideWindow(year, DateOnly.ParseExact(parts[2], "yyyy-MM-dd", CultureInfo.InvariantCulture),
                DateOnly.ParseExact(parts[3], "yyyy-MM-dd", CultureInfo.InvariantCulture));
        return new BusinessRuleException(EnsureDeclarationOpenAtCommit.DeclarationOpenRule, message);
    }
}

/// <summary>What a unit is told when its year no longer takes changes (one wording for the read, the bulk form and the COMMIT check).</summary>
internal static class DeclarationRefusal
{
    /// <summary>The unit-year's state (<c>@UnitId</c>, <c>@BusinessYear</c>), read by the check and by the COMMIT's statement alike.</summary>
    public const string YearState =
        "(SELECT y.state FROM annual_review.unit_year y WHERE y.unit_id = @UnitId AND y.business_year = @BusinessYear)";

    /// <summary>One row, with the year's window as <c>w</c> when one was set.</summary>
    public const string FromYearWindow = "FROM (SELECT 1) one LEFT JOIN annual_review.declaration_window w ON w.business_year = @BusinessYear";

    public static string? ForState(AnnualReviewState state, int year) => state switch
    {
        AnnualReviewState.Certified => $"{year}年度已完成年审认证，安置信息不能再修改；如需修改，请通过“年审认证反馈”申请重新编辑",
        AnnualReviewState.ReopenRequested => $"{year}年度已提交重新编辑申请，请等待残联审核通过后再修改",
        _ => null,
    };

    public static string OutsideWindow(int year, DateOnly opens, DateOnly closes) =>
        $"不在{year}年度申报期内（申报期为 {opens:yyyy年M月d日} 至 {closes:yyyy年M月d日}），只能查看，不能修改";
}

/// <summary>The bulk form, for imports by staff (the window never applies to staff): the year's state and revoked certificates in two queries.</summary>
internal sealed class CheckDeclarationsOpenHandler(ICurrentUser user, IDbSession db) : IQueryHandler<CheckDeclarationsOpen, IReadOnlyDictionary<Guid, DeclarationOpenDto>>
{
    public async ValueTask<IReadOnlyDictionary<Guid, DeclarationOpenDto>> Handle(CheckDeclarationsOpen query, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员或系统可以批量查询申报状态");
        var ids = query.UnitIds.Distinct().ToArray();
        var states = (await db.QueryAsync<(Guid UnitId, string State)>(
            "SELECT unit_id, state FROM annual_review.unit_year WHERE business_year = @year AND unit_id = ANY(@ids)", new { year = query.BusinessYear, ids }, ct))
            .ToDictionary(r => r.UnitId, r => r.State);
        var reopened = (await db.QueryAsync<Guid>(
            "SELECT DISTINCT unit_id FROM annual_review.certificate WHERE business_year = @year AND unit_id = ANY(@ids) AND revoked_at IS NOT NULL",
            new { year = query.BusinessYear, ids }, ct)).ToHashSet();
        return ids.ToDictionary(id => id, id => states.GetValueOrDefault(id) switch
        {
            { } state when DeclarationRefusal.ForState(Enum.Parse<AnnualReviewState>(state), query.BusinessYear) is { } refused =>
                new DeclarationOpenDto(false, refused),
            _ => new DeclarationOpenDto(true, null, reopened.Contains(id)),
        });
    }
}

/// <summary>
/// Where a unit's business year stands (the home page's progress): the unit-year with its current certificate and open reopen
/// request in one query, the window in another (kept for the rest of the request).
/// </summary>
internal sealed class GetAnnualReviewStatusHandler(ISender sender, IDbSession db, DeclarationWindows windows)
    : IQueryHandler<GetAnnualReviewStatus, AnnualReviewStatusDto>
{
    public async ValueTask<AnnualReviewStatusDto> Handle(GetAnnualReviewStatus query, CancellationToken ct)
    {
        await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        var row = await db.QuerySingleOrDefaultAsync<StatusRow>("""
            SELECT y.state AS State, c.certified_count AS CertifiedCount, c.certificate_number AS CertificateNumber, c.accepted_at AS AcceptedAt,
                   (SELECT r.reason FROM annual_review.reopen_request r
                    WHERE y.state = 'ReopenRequested' AND r.unit_id = y.unit_id AND r.business_year = y.business_year AND r.decided_at IS NULL
                    LIMIT 1) AS ReopenReason
            FROM annual_review.unit_year y
            LEFT JOIN annual_review.certificate c ON c.id = y.current_certificate_id AND y.state IN ('Certified', 'ReopenRequested')
            WHERE y.unit_id = @UnitId AND y.business_year = @BusinessYear
            """, query, ct);
        var state = row is null ? AnnualReviewState.NotStarted : Enum.Parse<AnnualReviewState>(row.State);
        var (opens, closes, _) = await windows.ForYearAsync(query.BusinessYear, ct);
        return new AnnualReviewStatusDto(query.UnitId, query.BusinessYear, state, opens, closes, windows.IsOpen(opens, closes),
            row?.CertifiedCount, row?.CertificateNumber, row?.AcceptedAt, row?.ReopenReason);
    }

    private sealed record StatusRow
    {
        public string State { get; init; } = null!;
        public decimal? CertifiedCount { get; init; }
        public string? CertificateNumber { get; init; }
        public DateTimeOffset? AcceptedAt { get; init; }
        public string? ReopenReason { get; init; }
    }
}

/// <summary>Several business years' declaration windows in one query (public dates: any caller).</summary>
internal sealed class GetDeclarationWindowsHandler(DeclarationWindows windows) : IQueryHandler<GetDeclarationWindows, IReadOnlyList<DeclarationWindowDto>>
{
    public async ValueTask<IReadOnlyList<DeclarationWindowDto>> Handle(GetDeclarationWindows query, CancellationToken ct)
    {
        var all = await windows.ForYearsAsync(query.BusinessYears, ct);
        return query.BusinessYears.Distinct().Select(y => new DeclarationWindowDto(y, all[y].Opens, all[y].Closes, all[y].Overridden,
            windows.IsOpen(all[y].Opens, all[y].Closes))).ToList();
    }
}
