using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Templates;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.Notices.Features.Sms;

internal sealed record UnitContact(Guid UnitId, string CreditCode, string Name, string RegionCode, string FederationCode, string ContactName, string ContactMobile);

internal static class SmsKinds
{
    public const string PlacementReturned = "placement_returned";
    public const string DisputeDecided = "dispute_decided";
    public const string CertificationResultChanged = "certification_result_changed";
    public const string AnnualCertificationCompleted = "annual_certification_completed";
    public const string ReopenRequestDecided = "reopen_request_decided";
    public const string NoticePublished = "notice_published";
    public const string CertificateExpiring = "certificate_expiring";

    public static readonly IReadOnlyDictionary<string, string> Labels = new Dictionary<string, string>
    {
        [PlacementReturned] = "安置信息退回", [DisputeDecided] = "异议审核结果", [CertificationResultChanged] = "认证结果变化",
        [AnnualCertificationCompleted] = "年审认证完成", [ReopenRequestDecided] = "年审认证反馈审核", [NoticePublished] = "通知公告", [CertificateExpiring] = "残疾人证到期提醒",
    };
}

/// <summary>
/// Turns events into queued text messages: one per (event, unit), enforced by a unique key, so an event delivered twice
/// (even past the inbox) produces one message. Content comes from the module's Scriban templates.
/// </summary>
internal sealed class SmsQueue(IDbSession db, TemplateRenderer templates, ISender sender, TimeProvider clock)
{
    public string Render(string kind, object model) => templates.Render(typeof(SmsQueue).Assembly, $".Templates.{kind}.sbn", model);

    /// <summary>The unit's contact from the projection; else from Units (as the system) and remembered.</summary>
    public async Task<UnitContact?> ContactAsync(Guid unitId, CancellationToken ct)
    {
        var contact = await db.QuerySingleOrDefaultAsync<UnitContact>("""
            SELECT unit_id AS UnitId, credit_code AS CreditCode, name, region_code AS RegionCode, federation_code AS FederationCode,
                   contact_name AS ContactName, contact_mobile AS ContactMobile
            FROM notices.unit_contact WHERE unit_id = @unitId
            """, new { unitId }, ct);
        if (contact is not null) return contact;
        var unit = (await sender.Send(new GetUnitsByIds([unitId]), ct)).FirstOrDefault();
        if (unit is null) return null;
        await UnitContactProjection.UpsertAsync(db, unit.Id, unit.CreditCode, unit.Name, unit.RegionCode, unit.FederationCode, unit.ContactName,
            unit.ContactMobile, unit.Version, unit.UpdatedAt, ct);
        return new UnitContact(unit.Id, unit.CreditCode, unit.Name, unit.RegionCode, unit.FederationCode, unit.ContactName, unit.ContactMobile);
    }

    /// <summary>Queues one message for the unit about the event; false when it was already queued (or the unit is unknown).</summary>
    public async Task<bool> ForUnitAsync(IntegrationEvent @event, Guid unitId, string kind, Func<UnitContact, object> model, CancellationToken ct)
    {
        var contact = await ContactAsync(unitId, ct);
        if (contact is null) return false;
        var content = Render(kind, model(contact));
        var now = clock.GetUtcNow();
        return await db.ExecuteAsync("""
            INSERT INTO notices.sms_message (id, event_id, unit_id, kind, mobile, content, next_attempt_at, created_at)
            VALUES (@id, @eventId, @unitId, @kind, @mobile, @content, @now, @now)
            ON CONFLICT (event_id, unit_id) DO NOTHING
            """, new { id = Guid.NewGuid(), eventId = @event.Id, unitId, kind, mobile = contact.ContactMobile.Trim(), content, now }, ct) == 1;
    }

    /// <summary>
    /// A notice's message to every unit whose supervising federation is within the prefix, in one statement; returns how many
    /// were queued. None once the notice has been withdrawn (the event may arrive after the withdrawal).
    /// </summary>
    public async Task<int> ForNoticeAsync(IntegrationEvent @event, Guid noticeId, string regionPrefix, string kind, object model, CancellationToken ct)
    {
        var content = Render(kind, model);
        return await db.ExecuteAsync("""
            INSERT INTO notices.sms_message (id, event_id, unit_id, kind, mobile, content, next_attempt_at, created_at, notice_id)
            SELECT gen_random_uuid(), @eventId, c.unit_id, @kind, trim(c.contact_mobile), @content, @now, @now, @noticeId
            FROM notices.unit_contact c
            WHERE c.federation_code LIKE @prefix || '%'
              AND NOT EXISTS (SELECT 1 FROM notices.notice n WHERE n.id = @noticeId AND n.withdrawn_at IS NOT NULL)
            ON CONFLICT (event_id, unit_id) DO NOTHING
            """, new { eventId = @event.Id, kind, content, prefix = regionPrefix, noticeId, now = clock.GetUtcNow() }, ct);
    }
}
