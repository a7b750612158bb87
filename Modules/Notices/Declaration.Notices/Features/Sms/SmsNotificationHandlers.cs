using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Certification.Contracts;
using Declaration.Notices.Contracts;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.Notices.Features.Sms;

/// <summary>Keeps notices.unit_contact in step with Units (full state per event, applied in the unit's version order: an older never overwrites a newer).</summary>
internal sealed class UnitContactProjection(IDbSession db, TimeProvider clock) : IIntegrationEventHandler<UnitProfileChanged>
{
    public Task HandleAsync(UnitProfileChanged e, CancellationToken ct) =>
        UpsertAsync(db, e.UnitId, e.CreditCode, e.Name, e.RegionCode, e.FederationCode, e.ContactName, e.ContactMobile, e.Version, clock.GetUtcNow(), ct);

    public static Task UpsertAsync(IDbSession db, Guid unitId, string creditCode, string name, string regionCode, string federationCode, string contactName,
        string contactMobile, int version, DateTimeOffset at, CancellationToken ct) => db.ExecuteAsync("""
            INSERT INTO notices.unit_contact (unit_id, credit_code, name, region_code, federation_code, contact_name, contact_mobile, version, updated_at)
            VALUES (@unitId, @creditCode, @name, @regionCode, @federationCode, @contactName, @contactMobile, @version, @at)
            ON CONFLICT (unit_id) DO UPDATE SET credit_code = excluded.credit_code, name = excluded.name, region_code = excluded.region_code,
                federation_code = excluded.federation_code, contact_name = excluded.contact_name, contact_mobile = excluded.contact_mobile,
                version = excluded.version, updated_at = excluded.updated_at
            WHERE notices.unit_contact.version <= excluded.version
            """, new { unitId, creditCode, name, regionCode, federationCode, contactName, contactMobile, version, at }, ct);
}

// The SMS of each case event (manual chapter 6: the contact mobile receives business notifications). One handler class
// per event: each gets its own receive endpoint and inbox consumer name.

internal sealed class PlacementReturnedSms(SmsQueue queue) : IIntegrationEventHandler<PlacementReturned>
{
    public Task HandleAsync(PlacementReturned e, CancellationToken ct) => queue.ForUnitAsync(e, e.UnitId, SmsKinds.PlacementReturned,
        c => new { UnitName = c.Name, e.BusinessYear, e.MaskedName }, ct);
}

internal sealed class DisputeDecidedSms(SmsQueue queue) : IIntegrationEventHandler<DisputeDecided>
{
    public Task HandleAsync(DisputeDecided e, CancellationToken ct) => queue.ForUnitAsync(e, e.UnitId, SmsKinds.DisputeDecided,
        c => new { UnitName = c.Name, e.BusinessYear, e.MaskedName, e.Month, e.Granted }, ct);
}

/// <summary>The person's masked name is Placement's to give; a placement deleted meanwhile needs no text.</summary>
internal sealed class CertificationResultChangedSms(SmsQueue queue, ISender sender) : IIntegrationEventHandler<CertificationResultChanged>
{
    public async Task HandleAsync(CertificationResultChanged e, CancellationToken ct)
    {
        var names = await sender.Send(new GetPlacementNames([e.PlacementId]), ct);
        if (!names.TryGetValue(e.PlacementId, out var maskedName)) return;
        await queue.ForUnitAsync(e, e.UnitId, SmsKinds.CertificationResultChanged,
            c => new { UnitName = c.Name, e.BusinessYear, MaskedName = maskedName, OldMonths = e.OldQualifyingMonths, NewMonths = e.NewQualifyingMonths }, ct);
    }
}

internal sealed class AnnualCertificationCompletedSms(SmsQueue queue) : IIntegrationEventHandler<AnnualCertificationCompleted>
{
    public Task HandleAsync(AnnualCertificationCompleted e, CancellationToken ct) => queue.ForUnitAsync(e, e.UnitId, SmsKinds.AnnualCertificationCompleted,
        c => new
        {
            UnitName = c.Name, e.BusinessYear, e.CertificateNumber,
            CertifiedCount = Math.Round(e.CertifiedCount, 2, MidpointRounding.AwayFromZero).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture),
        }, ct);
}

internal sealed class ReopenRequestDecidedSms(SmsQueue queue) : IIntegrationEventHandler<ReopenRequestDecided>
{
    public Task HandleAsync(ReopenRequestDecided e, CancellationToken ct) => queue.ForUnitAsync(e, e.UnitId, SmsKinds.ReopenRequestDecided,
        c => new { UnitName = c.Name, e.BusinessYear, e.Approved }, ct);
}

/// <summary>A declared person's certificate ends soon (or has ended this year): one text per person and expiry date (the event id says which).</summary>
internal sealed class CertificateExpiringSms(SmsQueue queue) : IIntegrationEventHandler<CertificateExpiring>
{
    public Task HandleAsync(CertificateExpiring e, CancellationToken ct) => queue.ForUnitAsync(e, e.UnitId, SmsKinds.CertificateExpiring,
        c => new { UnitName = c.Name, e.BusinessYear, e.MaskedName, ValidUntil = $"{e.ValidUntil.Year}年{e.ValidUntil.Month}月{e.ValidUntil.Day}日" }, ct);
}

/// <summary>A notice reaches every unit of its region: one message per unit, queued in one statement.</summary>
internal sealed class NoticePublishedSms(SmsQueue queue) : IIntegrationEventHandler<NoticePublished>
{
    public Task HandleAsync(NoticePublished e, CancellationToken ct) => queue.ForNoticeAsync(e, e.NoticeId, e.TargetRegionPrefix, SmsKinds.NoticePublished,
        new { Title = e.Title.Length > 40 ? e.Title[..40] + "…" : e.Title }, ct);
}
