using System.Text;
using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Testing;
using Declaration.Notices.Contracts;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.EndToEndTests;

/// <summary>
/// Two units of their own for the access matrix — A in 杭州西湖 (reviewer "reviewer", 3301) and B in 宁波鄞州 (reviewer "reviewer-nb",
/// 3302) — each with an employer account, a certified-then-reopened 2025, a disputed placement with evidence, a placement waiting for
/// review, a related unit with evidence, a pending registry change, a notice of its city with an attachment and a second employer
/// account the admin pages act on. Built once, through the modules, before any request of the matrix.
/// </summary>
public sealed record MatrixSide(
    char Side, string OwnerUser, string ExtraUser, Guid ExtraAccount, Guid Unit, string CreditCode, string UnitName, string PersonName,
    string RelatedName, Guid Related, Guid RelatedFile, Guid Placement, Guid PlacementFile, Guid ReviewPlacement, Guid RegistryChange,
    Guid Reopen, Guid Notice, Guid NoticeFile, string ReviewerUser, string CertificateNumber)
{
    /// <summary>What only those who may see this unit may ever read in a response.</summary>
    public IEnumerable<string> Markers => [CreditCode, UnitName, PersonName, RelatedName];
}

internal static class MatrixFixture
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static (MatrixSide A, MatrixSide B)? _sides;

    public static async Task<(MatrixSide A, MatrixSide B)> SidesAsync()
    {
        await Gate.WaitAsync();
        try { return _sides ??= (await BuildAsync('A', "330106", "杭州", "reviewer", "3301"), await BuildAsync('B', "330212", "宁波", "reviewer-nb", "3302")); }
        finally { Gate.Release(); }
    }

    private static int _serial = Environment.ProcessId % 900;

    /// <summary>A valid 18-digit IdNumber (RULES.md §1) of someone born in 1985 in <paramref name="region"/>.</summary>
    public static string IdNumber(string region)
    {
        int[] weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        var body = $"{region}19850612{Interlocked.Increment(ref _serial) % 1000:D3}";
        var sum = body.Select((c, i) => (c - '0') * weights[i]).Sum();
        return body + "10X98765432"[sum % 11];
    }

    private static async Task<T> AsAsync<T>(ICurrentUser user, Func<ISender, Task<T>> work)
    {
        await using var scope = E2E.Services.CreateScopeAs(user);
        return await work(scope.ServiceProvider.GetRequiredService<ISender>());
    }

    private static Task<T> SendAs<T>(ICurrentUser user, IRequest<T> request) => AsAsync(user, s => s.Send(request).AsTask());
    private static Task<T> SendAs<T>(ICurrentUser user, ICommand<T> request) => AsAsync(user, s => s.Send(request).AsTask());
    private static Task<T> SendAs<T>(ICurrentUser user, IQuery<T> request) => AsAsync(user, s => s.Send(request).AsTask());

    private static readonly ICurrentUser System = new SystemUser();

    public static MemoryStream Pdf() => new(Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"));

    private static async Task<MatrixSide> BuildAsync(char side, string region, string city, string reviewerUser, string jurisdiction)
    {
        var tag = side == 'A' ? "甲" : "乙";
        var code = AnnualUnitsCodes.Next();
        var unitName = $"{city}矩阵{tag}测试有限公司";
        var csv = "credit_code,name,unit_type,region_code,federation_code,tax_authority_code,legal_representative,legal_phone,contact_name,contact_mobile,address\n" +
                  $"{code},{unitName},enterprise,{region},{region},1{region}0000,法人{tag},0571-87001234,经办人{tag},13800571234,{city}\n";
        await SendAs(System, new ImportUnits(new MemoryStream(Encoding.UTF8.GetBytes(csv))));
        var owner = $"matrix-{char.ToLowerInvariant(side)}";
        var extra = $"matrix-{char.ToLowerInvariant(side)}-extra";
        await SendAs(System, new CreateAccount(owner, $"矩阵{tag}经办人", E2E.Password, Role.Employer, code, null, UpdateIfExists: true));
        var extraAccount = (await SendAs(System, new CreateAccount(extra, $"矩阵{tag}备用经办人", E2E.Password, Role.Employer, code, null, UpdateIfExists: true))).Id;
        var unit = (await SendAs(System, new GetUnitByCreditCode(code)))!;
        var ownerAccount = (await SendAs(System, new FindAccount(owner)))!;
        var clerk = new ExplicitUser(ownerAccount.Id.ToString(), ownerAccount.DisplayName, Role.Employer, unit.Id);
        var reviewerAccount = (await SendAs(System, new FindAccount(reviewerUser)))!;
        var reviewer = new ExplicitUser(reviewerAccount.Id.ToString(), reviewerAccount.DisplayName, Role.Reviewer, null, jurisdiction);

        await SendAs(clerk, new SaveUnitWorkforce(unit.Id, 2025, 120, 96000));
        // 2025: certified with nobody declared, a reopen asked and approved (the request and the revoked certificate remain).
        var certificate = await SendAs(clerk, new CertifyAnnualReview(unit.Id, 2025));
        var reopen = await SendAs(clerk, new RequestReopen(unit.Id, 2025, "矩阵测试：补充登记"));
        await SendAs(reviewer, new DecideReopenRequest(reopen, true, "同意"));
        await Poller.UntilAsync(() => SendAs(clerk, new IsUnitYearUnlocked(unit.Id, 2025)), unlocked => unlocked, TimeSpan.FromSeconds(60));

        var person = side == 'A' ? "𠮷矩阵甲" : "矩阵乙某";
        DeclarePlacement Declare(string name) => new(unit.Id, 2025, IdNumber(region), name, "disability", "", new DateOnly(2025, 1, 1), null,
            "open_ended", new DateOnly(2025, 1, 1), null, 6000m, false, null);
        async Task<PlacementSaved> DeclareAsync(string name)
        {
            var d = Declare(name);
            return await SendAs(clerk, d with { CertificateNumber = d.IdNumber + "33" });
        }
        var disputed = await DeclareAsync(person);
        var evidence = await SendAs(clerk, new AddDisputeEvidence(disputed.PlacementId, Pdf(), "异议材料.pdf"));
        await SendAs(clerk, new DisputePlacement(disputed.PlacementId, disputed.Version, [1, 2, 3], "矩阵测试：工资已发放"));
        var waiting = await DeclareAsync(person + "二");
        await SendAs(clerk, new SubmitPlacement(waiting.PlacementId, waiting.Version));

        var relatedName = $"{city}矩阵{tag}关联有限公司";
        var related = await SendAs(clerk, new AddRelatedUnit(unit.Id, AnnualUnitsCodes.Next(), relatedName, "labor_dispatch", new DateOnly(2027, 1, 1), null, null, null, null));
        var relatedFile = await SendAs(clerk, new AddRelatedUnitEvidence(unit.Id, related, Pdf(), "派遣协议.pdf"));
        var change = await SendAs(clerk, new RequestRegistryChange(unit.Id, region, region, "1" + region + "9999", "矩阵测试：税务迁移"));
        var notice = await SendAs(reviewer, new PublishNotice($"矩阵{tag}{city}通知", "正文", jurisdiction, null, null, false));
        var noticeFile = await SendAs(reviewer, new AddNoticeAttachment(notice, Pdf(), "附件.pdf"));
        return new MatrixSide(side, owner, extra, extraAccount, unit.Id, code, unitName, person, relatedName, related, relatedFile,
            disputed.PlacementId, evidence, waiting.PlacementId, change, reopen, notice, noticeFile, reviewerUser, certificate.CertificateNumber);
    }
}

/// <summary>Credit codes with a valid check character (RULES.md §1), unique in this process.</summary>
internal static class AnnualUnitsCodes
{
    private const string Charset = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    private static int _next = 50_000 + Environment.ProcessId % 1000 * 20;

    public static string Next()
    {
        var body = $"91330106MA2F{Interlocked.Increment(ref _next) % 100_000:D5}";
        var sum = body.Select((ch, i) => Charset.IndexOf(ch, StringComparison.Ordinal) * Weights[i]).Sum();
        var c = 31 - sum % 31;
        return body + Charset[c == 31 ? 0 : c];
    }
}
