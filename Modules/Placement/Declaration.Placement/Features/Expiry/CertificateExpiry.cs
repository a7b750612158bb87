using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.Placement.Features.Expiry;

/// <summary>
/// Certificate expiry: Certification knows the certificates (by blind index) and answers which placements' persons' certificates end in
/// a window; Placement knows the persons (masked name and IdNumber) and decides whom to alert; Notices texts the unit's contact.
/// The window of business year Y: from 1 January of Y to the later of 31 December of Y and today + 60 days.
/// </summary>
internal static class ExpiryWindow
{
    public const int DaysAhead = 60;

    public static (DateOnly From, DateOnly To) Of(int year, DateOnly today)
    {
        var end = new DateOnly(year, 12, 31);
        var ahead = today.AddDays(DaysAhead);
        return (new DateOnly(year, 1, 1), ahead > end ? ahead : end);
    }
}

internal sealed class GetCertificateExpiriesHandler(IDbSession db, ISender sender, TimeProvider clock)
    : IQueryHandler<GetCertificateExpiries, IReadOnlyList<CertificateExpiryDto>>
{
    public async ValueTask<IReadOnlyList<CertificateExpiryDto>> Handle(GetCertificateExpiries query, CancellationToken ct)
    {
        await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        var today = ChinaTime.Today(clock);
        var (from, to) = ExpiryWindow.Of(query.BusinessYear, today);
        var expiring = await sender.Send(new GetExpiringCertificates(from, to, query.UnitId, query.BusinessYear), ct);
        if (expiring.Count == 0) return [];
        var people = (await db.QueryAsync<(Guid Id, string Name, string IdMasked)>(
            "SELECT id, name_masked, id_number_masked FROM placement.placement WHERE id = ANY(@ids)",
            new { ids = expiring.Select(e => e.PlacementId).ToArray() }, ct)).ToDictionary(p => p.Id);
        return expiring.Where(e => people.ContainsKey(e.PlacementId))
            .Select(e => new CertificateExpiryDto(e.PlacementId, people[e.PlacementId].Name, people[e.PlacementId].IdMasked, e.ValidUntil, e.ValidUntil < today))
            .ToList();
    }
}

/// <summary>
/// The daily job's work (and after certificate imports): for the business years still being declared (this year and last), every
/// placement whose person's certificate ends in the year's window is recorded once per (unit, person, expiry date) — the primary key
/// decides, so two hosts running the job at once, a retry or a restart raise nothing twice — and each new record raises one
/// CertificateExpiring in the same transaction.
/// </summary>
internal sealed class SendCertificateExpiryAlertsHandler(IDbSession db, ISender sender, ICurrentUser user, DeliverySignal signal, TimeProvider clock)
    : ICommandHandler<SendCertificateExpiryAlerts, int>
{
    public async ValueTask<int> Handle(SendCertificateExpiryAlerts command, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅系统或管理员可以发送证件到期提醒");
        var today = ChinaTime.Today(clock);
        var now = clock.GetUtcNow();
        var raised = 0;
        foreach (var year in new[] { today.Year - 1, today.Year })
        {
            var (from, to) = ExpiryWindow.Of(year, today);
            var expiring = await sender.Send(new GetExpiringCertificates(from, to, null, year), ct);
            foreach (var chunk in expiring.Chunk(5000))
                raised += await db.ExecuteAsync("""
                    WITH candidate AS (
                        SELECT DISTINCT ON (p.unit_id, p.id_number_index, x.until) p.id, p.unit_id, p.business_year, p.id_number_index, p.name_masked, x.until,
                               -- the same event id for the same (unit, person, expiry date), whoever raises it
                               md5(p.unit_id::text || encode(p.id_number_index, 'hex') || x.until::text)::uuid AS event_id
                        FROM unnest(@ids::uuid[], @untils::date[]) AS x(id, until)
                        JOIN placement.placement p ON p.id = x.id
                        ORDER BY p.unit_id, p.id_number_index, x.until, p.business_year DESC, p.id
                    ), alerted AS (
                        INSERT INTO placement.certificate_expiry_alert (unit_id, id_number_index, valid_until, placement_id, event_id, alerted_at)
                        SELECT unit_id, id_number_index, until, id, event_id, @now FROM candidate
                        ON CONFLICT DO NOTHING
                        RETURNING event_id
                    )
                    INSERT INTO placement.outbox (id, type, payload, occurred_at)
                    SELECT c.event_id, @type, jsonb_build_object('id', c.event_id, 'occurredAt', @now, 'placementId', c.id, 'unitId', c.unit_id,
                        'businessYear', c.business_year, 'maskedName', c.name_masked, 'validUntil', c.until), @now
                    FROM candidate c JOIN alerted a ON a.event_id = c.event_id
                    ON CONFLICT DO NOTHING
                    """, new
                {
                    ids = chunk.Select(e => e.PlacementId).ToArray(), untils = chunk.Select(e => e.ValidUntil).ToArray(), now,
                    type = typeof(CertificateExpiring).FullName,
                }, ct);
        }
        if (raised > 0) db.AfterCommit(signal.Pulse);
        return raised;
    }
}
