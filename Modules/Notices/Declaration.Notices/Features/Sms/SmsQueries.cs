using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.Notices.Contracts;
using Mediator;

namespace Declaration.Notices.Features.Sms;

internal sealed class GetSmsMessagesHandler(IDbSession db, ICurrentUser user) : IQueryHandler<GetSmsMessages, PagedResult<SmsMessageDto>>
{
    private sealed record Row(Guid Id, Guid UnitId, string? UnitName, string Kind, string Mobile, string Content, string Status, int Attempts,
        string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SentAt, string? Gateway);

    public async ValueTask<PagedResult<SmsMessageDto>> Handle(GetSmsMessages query, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅系统管理员可查看短信记录");
        var page = Math.Max(1, query.Page);
        var size = Math.Clamp(query.PageSize, 1, 200);
        var status = query.Status?.ToString().ToLowerInvariant();
        const string where = "WHERE (@status::text IS NULL OR m.status = @status)";
        var total = await db.ExecuteScalarAsync<long>($"SELECT count(*) FROM notices.sms_message m {where}", new { status }, ct);
        var rows = await db.QueryAsync<Row>($"""
            SELECT m.id, m.unit_id AS UnitId, c.name AS UnitName, m.kind, m.mobile, m.content, m.status, m.attempts, m.last_error AS LastError,
                   m.created_at AS CreatedAt, m.sent_at AS SentAt, m.gateway
            FROM notices.sms_message m LEFT JOIN notices.unit_contact c ON c.unit_id = m.unit_id
            {where} ORDER BY m.created_at DESC, m.id LIMIT @size OFFSET @offset
            """, new { status, size, offset = (long)(page - 1) * size }, ct);
        var items = rows.Select(r => new SmsMessageDto(r.Id, r.UnitId, r.UnitName ?? "", SmsKinds.Labels.GetValueOrDefault(r.Kind, r.Kind), Masking.Mobile(r.Mobile),
            r.Content, Enum.Parse<SmsStatus>(r.Status, ignoreCase: true), r.Attempts, r.LastError, r.CreatedAt, r.SentAt, r.Gateway)).ToList();
        return new PagedResult<SmsMessageDto>(items, page, size, total);
    }
}
