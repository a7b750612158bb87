using Declaration.Host.Web;
using Declaration.Notices.Contracts;
using Mediator;

namespace Declaration.Host.Api;

/// <summary>通知公告 (list/search/detail/mark read; publish, edit, withdraw and attachments for staff), SMS records (admin), the home dashboard.</summary>
internal static class NoticesApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/notices", async (string? q, int? page, int? pageSize, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new SearchNotices(q, page ?? 1, pageSize ?? 20), ct)));
        api.MapGet("/notices/latest", async (int? count, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetLatestNotices(count ?? 5), ct)));
        api.MapGet("/notices/{id:guid}", async (Guid id, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetNotice(id), ct)));
        api.MapPost("/notices/{id:guid}/read", async (Guid id, ISender sender, CancellationToken ct) =>
            Results.Ok(new { marked = await sender.Send(new MarkNoticeRead(id), ct) }));
        api.MapGet("/notices/{id:guid}/attachments/{fileId:guid}", async (Guid id, Guid fileId, ISender sender, CancellationToken ct) =>
        {
            var file = await sender.Send(new GetNoticeAttachment(id, fileId), ct);
            return Results.File(file.Content, file.ContentType, file.FileName);
        });

        var staff = api.MapGroup("/review/notices").RequireAuthorization(Policies.Staff);
        staff.MapGet("", async (string? q, int? page, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetManagedNotices(q, page ?? 1, 20), ct)));
        staff.MapPost("", async (PublishNotice body, ISender sender, CancellationToken ct) =>
        {
            var id = await sender.Send(body, ct);
            return Results.Created($"/api/notices/{id}", new { id });
        });
        staff.MapPut("/{id:guid}", async (Guid id, EditNotice body, ISender sender, CancellationToken ct) =>
            Results.Ok(new { version = await sender.Send(body with { NoticeId = id }, ct) }));
        staff.MapDelete("/{id:guid}", async (Guid id, ISender sender, CancellationToken ct) =>
            Results.Ok(new { withdrawn = await sender.Send(new UnpublishNotice(id), ct) }));
        staff.MapPost("/{id:guid}/attachments", async (Guid id, IFormFile file, ISender sender, CancellationToken ct) =>
        {
            await using var stream = file.OpenReadStream();
            var fileId = await sender.Send(new AddNoticeAttachment(id, stream, file.FileName), ct);
            return Results.Created($"/api/notices/{id}/attachments/{fileId}", new { id = fileId });
        });
        staff.MapDelete("/{id:guid}/attachments/{fileId:guid}", async (Guid id, Guid fileId, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new RemoveNoticeAttachment(id, fileId), ct);
            return Results.NoContent();
        });

        api.MapGet("/admin/sms", async (SmsStatus? status, int? page, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetSmsMessages(status, page ?? 1, 20), ct))).RequireAuthorization(Policies.Admin);

        api.MapGet("/units/{unitId:guid}/dashboard", async (Guid unitId, int? year, ISender sender, CancellationToken ct) =>
            Results.Ok(await sender.Send(new GetHomeDashboard(unitId, year), ct)));
    }
}
