using Declaration.BuildingBlocks.Application;
using Mediator;

namespace Declaration.AnnualReview.Contracts;

// Requests and DTOs added by the AnnualReview module for its own pages, API and command line (the cross-module
// Contracts are in AnnualReview.cs).

public static class AnnualReviewStateLabels
{
    public static string Of(AnnualReviewState s) => s switch
    {
        AnnualReviewState.NotStarted => "未开始",
        AnnualReviewState.InProgress => "申报中",
        AnnualReviewState.ReadyToCertify => "待年审认证",
        AnnualReviewState.Certified => "已年审认证",
        AnnualReviewState.ReopenRequested => "重新编辑申请待审核",
        _ => s.ToString(),
    };
}

public sealed record CertifiedPersonLineDto(string MaskedIdNumber, string MaskedName, string CertificateType, int? Category, int? Level,
    int QualifyingMonths, int PersonMonths);

/// <summary>
/// 年审认证 step: the commitment letter for the unit-year, whether the unit may accept it now (and why not), and what the
/// certificate would say.
/// </summary>
public sealed record CommitmentLetterDto(
    Guid UnitId, int BusinessYear, string UnitName, AnnualReviewState State, bool CanCertify, string? BlockedReason,
    int PersonMonths, decimal CertifiedCount, string Text, IReadOnlyList<CertifiedPersonLineDto> Persons);

public sealed record GetCommitmentLetter(Guid UnitId, int BusinessYear) : IQuery<CommitmentLetterDto>;

/// <summary>确认年审认证: the unit accepts the commitment letter; issues the certificate once (who, when, from where are recorded).</summary>
public sealed record CertifyAnnualReview(Guid UnitId, int BusinessYear) : ICommand<CertificateIssuedDto>;

public sealed record CertificateIssuedDto(Guid CertificateId, string CertificateNumber, string ShortCode, int PersonMonths, decimal CertifiedCount,
    DateTimeOffset AcceptedAt, string Sha256);

/// <summary>下载年审认证确认书: the stored PDF (the current certificate, or a given one of the unit-year, revoked ones included).</summary>
public sealed record DownloadAnnualCertificate(Guid UnitId, int BusinessYear, string? CertificateNumber = null) : IQuery<FileDownload>;

public sealed record CertificateSummaryDto(Guid Id, string CertificateNumber, string ShortCode, int PersonMonths, decimal CertifiedCount,
    DateTimeOffset AcceptedAt, string AcceptedByName, string? AcceptedIp, string Sha256, DateTimeOffset? RevokedAt);

/// <summary>Every certificate issued for the unit-year, newest first (access-checked).</summary>
public sealed record GetAnnualCertificates(Guid UnitId, int BusinessYear) : IQuery<IReadOnlyList<CertificateSummaryDto>>;

/// <summary>年审认证反馈: the unit asks to edit its certified year again, with a reason.</summary>
public sealed record RequestReopen(Guid UnitId, int BusinessYear, string Reason) : ICommand<Guid>;

/// <summary>A reviewer in the unit's jurisdiction approves (revokes the certificate, reopens the year) or rejects, with a comment.</summary>
public sealed record DecideReopenRequest(Guid RequestId, bool Approve, string Comment) : ICommand<bool>;

public sealed record ReopenRequestDto(
    Guid Id, Guid UnitId, string CreditCode, string UnitName, int BusinessYear, string CertificateNumber, string Reason,
    string RequestedByName, DateTimeOffset RequestedAt, bool? Approved, string? DecidedByName, DateTimeOffset? DecidedAt, string? Comment);

/// <summary>Reopen requests of units in the caller's jurisdiction (pending only, or all), newest first.</summary>
public sealed record GetReopenRequests(int? BusinessYear, bool PendingOnly = true) : IQuery<IReadOnlyList<ReopenRequestDto>>;

/// <summary>The unit-year's reopen requests (the unit's own history of 年审认证反馈).</summary>
public sealed record GetUnitReopenRequests(Guid UnitId, int BusinessYear) : IQuery<IReadOnlyList<ReopenRequestDto>>;

public sealed record AnnualProgressDto(int BusinessYear, long Units, IReadOnlyDictionary<AnnualReviewState, long> ByState);

/// <summary>The year's progress across the caller's jurisdiction: units per state (units without activity are NotStarted).</summary>
public sealed record GetAnnualProgress(int BusinessYear) : IQuery<AnnualProgressDto>;

public sealed record DeclarationWindowDto(int BusinessYear, DateOnly Opens, DateOnly Closes, bool Overridden, bool OpenToday);

public sealed record GetDeclarationWindow(int BusinessYear) : IQuery<DeclarationWindowDto>;

/// <summary>Several business years' declaration windows at once (one query; for the home page's choice of the current year).</summary>
public sealed record GetDeclarationWindows(IReadOnlyList<int> BusinessYears) : IQuery<IReadOnlyList<DeclarationWindowDto>>;

/// <summary>Admins override one business year's declaration window (dates inclusive).</summary>
public sealed record SetDeclarationWindow(int BusinessYear, DateOnly Opens, DateOnly Closes) : ICommand<DeclarationWindowDto>;

/// <summary>
/// <c>export tax</c> (FORMATS.md): units whose year is Certified, as CSV written to <paramref name="Output"/>; returns the rows
/// written. Reviewers get their jurisdiction, admins and the system everything. <paramref name="ForSpreadsheet"/>: a download for people
/// (UTF-8 BOM, formula-like cells neutralised); without it the exact FORMATS.md file of the CLI.
/// </summary>
public sealed record ExportTax(int BusinessYear, Stream Output, bool ForSpreadsheet = false) : IQuery<long>, IAuditedExport
{
    public string ExportKind => "tax";
}

/// <summary>The business year being declared: the previous calendar year (China time).</summary>
public static class BusinessYears
{
    public static int Current(TimeProvider clock) => Declaration.BuildingBlocks.Domain.ChinaTime.Today(clock).Year - 1;

    /// <summary>The years offered in year pickers: the current one and the two before it.</summary>
    public static IReadOnlyList<int> Recent(TimeProvider clock) => [Current(clock), Current(clock) - 1, Current(clock) - 2];
}

/// <summary>The year's progress unit by unit across the caller's jurisdiction, as an Excel workbook (staff; audited).</summary>
public sealed record DownloadAnnualProgress(int BusinessYear) : IQuery<Declaration.BuildingBlocks.Application.FileDownload>;
