using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Data;
using Mediator;

namespace Declaration.AnnualReview.Features.Verify;

internal sealed record VerificationRow(string CertificateNumber, string UnitName, int BusinessYear, decimal CertifiedCount, DateTimeOffset AcceptedAt, DateTimeOffset? RevokedAt);

/// <summary>
/// The public verification page's question (anyone, no sign-in): by the random short code only — never by the sequential
/// certificate number, which would let anyone walk the list of certified units. Says only whether
/// the certificate is valid or revoked (and since when), with the unit, year, count and issue date; never personal data.
/// </summary>
internal sealed class VerifyCertificateHandler(IDbSession db) : IQueryHandler<VerifyCertificate, CertificateVerificationDto>
{
    public async ValueTask<CertificateVerificationDto> Handle(VerifyCertificate query, CancellationToken ct)
    {
        var code = (query.Code ?? string.Empty).Trim().ToUpperInvariant();
        if (code.Length != 10) return NotFound;
        var row = await db.QuerySingleOrDefaultAsync<VerificationRow>("""
            SELECT certificate_number AS CertificateNumber, unit_name AS UnitName, business_year AS BusinessYear, certified_count AS CertifiedCount, accepted_at AS AcceptedAt, revoked_at AS RevokedAt
            FROM annual_review.certificate WHERE short_code = @code
            """, new { code }, ct);
        if (row is null) return NotFound;
        return new CertificateVerificationDto(true, row.RevokedAt is null, row.CertificateNumber, row.UnitName, row.BusinessYear,
            row.CertifiedCount, row.AcceptedAt, row.RevokedAt);
    }

    private static readonly CertificateVerificationDto NotFound = new(false, false, null, null, null, null, null, null);
}
