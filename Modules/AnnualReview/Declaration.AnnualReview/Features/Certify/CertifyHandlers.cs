using System.Globalization;
using System.Security.Cryptography;
using Declaration.AnnualReview.Contracts;
using Declaration.AnnualReview.Domain;
using Declaration.AnnualReview.Infrastructure.Pdf;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Templates;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.Extensions.Options;

namespace Declaration.AnnualReview.Features.Certify;

internal static class CertifiedCounts
{
    /// <summary>RULES.md §6: shown with two decimals, half-up; person-months are kept exactly.</summary>
    public static decimal Rounded(long personMonths) => Math.Round(personMonths / 12m, 2, MidpointRounding.AwayFromZero);

    public static string Format(decimal count) => count.ToString("0.00", CultureInfo.InvariantCulture);

    public static IReadOnlyList<CertifiedPersonLineDto> Lines(CertifiedCountDto count) => count.Persons
        .Select(p => new CertifiedPersonLineDto(p.MaskedIdNumber, p.MaskedName, p.CertificateType, p.Category, p.Level, p.QualifyingMonths, p.PersonMonths))
        .ToList();

    public static string Letter(TemplateRenderer templates, UnitDto unit, int year, long personMonths) =>
        templates.Render(typeof(CertifiedCounts).Assembly, "CommitmentLetter.sbn", new
        {
            UnitName = unit.Name, unit.CreditCode, BusinessYear = year, CertifiedCount = Format(Rounded(personMonths)), PersonMonths = personMonths,
        });
}

/// <summary>年审认证: the commitment letter and whether the unit may accept it now.</summary>
internal sealed class GetCommitmentLetterHandler(ISender sender, UnitYearStore store, CertificationGate gate, IAnnualReviewInputs inputs, TemplateRenderer templates)
    : IQueryHandler<GetCommitmentLetter, CommitmentLetterDto>
{
    public async ValueTask<CommitmentLetterDto> Handle(GetCommitmentLetter query, CancellationToken ct)
    {
        var unit = await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        var year = await store.GetAsync(query.UnitId, query.BusinessYear, ct);
        var broken = await gate.FirstBrokenAsync(year, ct);
        var count = await inputs.GetCertifiedCountAsync(query.UnitId, query.BusinessYear, ct);
        return new CommitmentLetterDto(query.UnitId, query.BusinessYear, unit.Name, year.State, broken is null, broken?.Message,
            count.PersonMonths, CertifiedCounts.Rounded(count.PersonMonths), CertifiedCounts.Letter(templates, unit, query.BusinessYear, count.PersonMonths),
            CertifiedCounts.Lines(count));
    }
}

/// <summary>
/// 确认年审认证: the unit accepts the commitment letter. Records who, when and from where, issues the certificate once
/// (number, short code, PDF bytes + SHA-256, stored), moves the year to Certified and publishes AnnualCertificationCompleted.
/// </summary>
internal sealed class CertifyAnnualReviewHandler(
    ISender sender, IDbSession db, ICurrentUser user, UnitYearStore store, CertificationGate gate, IAnnualReviewInputs inputs,
    TemplateRenderer templates, IOutbox outbox, IAuditLog audit, TimeProvider clock, IOptions<AnnualReviewOptions> options)
    : ICommandHandler<CertifyAnnualReview, CertificateIssuedDto>
{
    private const string ShortCodeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

    public async ValueTask<CertificateIssuedDto> Handle(CertifyAnnualReview command, CancellationToken ct)
    {
        if (user.Role is not (Role.Employer or Role.System)) throw new ForbiddenException("年审认证须由用人单位本单位经办人确认");
        var unit = await sender.Send(new CheckUnitAccess(command.UnitId), ct);
        var year = await store.GetAsync(command.UnitId, command.BusinessYear, ct, forUpdate: true);
        if (await gate.FirstBrokenAsync(year, ct) is { } broken) Rules.Check(broken);

        var count = await inputs.GetCertifiedCountAsync(command.UnitId, command.BusinessYear, ct);
        var rounded = CertifiedCounts.Rounded(count.PersonMonths);
        var acceptedAt = clock.GetUtcNow();
        var sequence = await db.ExecuteScalarAsync<long>("SELECT nextval('annual_review.certificate_seq')", null, ct);
        var number = $"ZJ{command.BusinessYear}{unit.FederationCode}{sequence:D6}";
        var shortCode = new string(RandomNumberGenerator.GetItems<char>(ShortCodeAlphabet, 10));
        var verifyUrl = $"{options.Value.PublicBaseUrl!.TrimEnd('/')}/Verify?code={shortCode}";
        var letter = CertifiedCounts.Letter(templates, unit, command.BusinessYear, count.PersonMonths);
        var pdf = CertificatePdf.Render(new CertificateContent(number, shortCode, verifyUrl, unit.Name, unit.CreditCode, command.BusinessYear,
            count.PersonMonths, rounded, acceptedAt, user.UserName, CertifiedCounts.Lines(count)));
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(pdf));
        var id = Guid.CreateVersion7();
        await db.ExecuteAsync("""
            INSERT INTO annual_review.certificate (id, certificate_number, short_code, unit_id, business_year, unit_name, person_months, certified_count,
                accepted_by, accepted_by_name, accepted_ip, accepted_at, commitment_text, pdf, sha256)
            VALUES (@id, @number, @shortCode, @unitId, @year, @unitName, @personMonths, @rounded,
                @acceptedBy, @acceptedByName, @ip, @acceptedAt, @letter, @pdf, @sha256)
            """, new
            {
                id, number, shortCode, unitId = command.UnitId, year = command.BusinessYear, unitName = unit.Name, personMonths = count.PersonMonths, rounded,
                acceptedBy = user.UserId, acceptedByName = user.UserName, ip = user.IpAddress, acceptedAt, letter, pdf, sha256,
            }, ct);
        await store.SetStateAsync(command.UnitId, command.BusinessYear, AnnualReviewState.Certified, ct, id, setCertificate: true);
        await outbox.AddAsync(new AnnualCertificationCompleted(command.UnitId, command.BusinessYear, number, rounded), ct);
        await audit.RecordAsync("AnnualReview", "AnnualCertificate", number, command.UnitId, "确认年审认证",
            new { State = year.State.ToString() },
            new { BusinessYear = command.BusinessYear, CertificateNumber = number, count.PersonMonths, CertifiedCount = rounded, Ip = user.IpAddress, Sha256 = sha256 }, ct);
        return new CertificateIssuedDto(id, number, shortCode, count.PersonMonths, rounded, acceptedAt, sha256);
    }
}

internal sealed record CertificateFileRow(string CertificateNumber, byte[] Pdf);

/// <summary>下载年审认证确认书: the stored bytes (never re-rendered), only for the unit itself and staff in jurisdiction.</summary>
internal sealed class DownloadAnnualCertificateHandler(ISender sender, IDbSession db) : IQueryHandler<DownloadAnnualCertificate, FileDownload>
{
    public async ValueTask<FileDownload> Handle(DownloadAnnualCertificate query, CancellationToken ct)
    {
        await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        var row = string.IsNullOrWhiteSpace(query.CertificateNumber)
            ? await db.QuerySingleOrDefaultAsync<CertificateFileRow>("""
                SELECT c.certificate_number AS CertificateNumber, c.pdf AS Pdf FROM annual_review.unit_year y JOIN annual_review.certificate c ON c.id = y.current_certificate_id
                WHERE y.unit_id = @unitId AND y.business_year = @year
                """, new { unitId = query.UnitId, year = query.BusinessYear }, ct)
            : await db.QuerySingleOrDefaultAsync<CertificateFileRow>("""
                SELECT certificate_number AS CertificateNumber, pdf AS Pdf FROM annual_review.certificate
                WHERE unit_id = @unitId AND business_year = @year AND certificate_number = @number
                """, new { unitId = query.UnitId, year = query.BusinessYear, number = query.CertificateNumber.Trim().ToUpperInvariant() }, ct);
        if (row is null) throw new NotFoundException("未找到年审认证确认书（本年度尚未完成年审认证）");
        return new FileDownload($"年审认证确认书-{row.CertificateNumber}.pdf", "application/pdf", new MemoryStream(row.Pdf, writable: false));
    }
}

internal sealed class GetAnnualCertificatesHandler(ISender sender, IDbSession db) : IQueryHandler<GetAnnualCertificates, IReadOnlyList<CertificateSummaryDto>>
{
    public async ValueTask<IReadOnlyList<CertificateSummaryDto>> Handle(GetAnnualCertificates query, CancellationToken ct)
    {
        await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        return await db.QueryAsync<CertificateSummaryDto>("""
            SELECT id AS Id, certificate_number AS CertificateNumber, short_code AS ShortCode, person_months AS PersonMonths, certified_count AS CertifiedCount,
                   accepted_at AS AcceptedAt, accepted_by_name AS AcceptedByName, accepted_ip AS AcceptedIp, sha256 AS Sha256, revoked_at AS RevokedAt
            FROM annual_review.certificate WHERE unit_id = @unitId AND business_year = @year ORDER BY accepted_at DESC, certificate_number DESC
            """, new { unitId = query.UnitId, year = query.BusinessYear }, ct);
    }
}
