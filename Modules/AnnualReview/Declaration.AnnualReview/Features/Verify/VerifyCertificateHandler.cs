using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Data;
using Mediator;

namespace Declaration.AnnualReview.Features.Verify;

internal sealed record VerificationRow(string CertificateNumber, string UnitName, int BusinessYear, decimal CertifiedCount, DateTimeOffset AcceptedAt, DateTimeOffset? RevokedAt);

/// <summary>
/// The public verification page's question (anyone, no sign-in): by certificate number or short code. Says only whether
/// the certificate is valid or revoked (and since when), with the unit, year, count and issue date; never personal data.
/// </summary>
internal sealed class VerifyCertificateHandler(IDbSession db) : IQueryHandler<VerifyCertificate, CertificateVerificationDto>
{
    public async ValueTask<CertificateVerificationDto> Handle(VerifyCertificate query, CancellationToken ct)
    {
        var code = (query.Code ?? string.Empty).Trim().ToUpperInvariant();
        if (code.Length is 0 or > 64) return NotFound;
        var row = await db.QuerySingleOrDefaultAsync<VerificationRow>("""
            SELECT certificate_number, unit_name, business_year, certified_count, accepted_at, revoked_at
            FROM annual_review.certificate WHERE certificate_number = @code OR short_code = @code
            """, new { code }, ct);
        if (row is null) return NotFound;
        return new CertificateVerificationDto(true, row.RevokedAt is null, row.CertificateNumber, row.UnitName, row.BusinessYear,
            row.CertifiedCount, row.AcceptedAt, row.RevokedAt);
    }

    private static readonly CertificateVerificationDto NotFound = new(false, false, null, null, null, null, null, null);
}
