using System.Text;
using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using Microsoft.Extensions.DependencyInjection;
using static Declaration.AnnualReview.Tests.AnnualFixture;

namespace Declaration.AnnualReview.Tests;

/// <summary>
/// The whole path through the real modules: Certification's linkage data, Placement's import, a reviewer's confirmations,
/// their events into our projection, and Placement's GetCertifiedCount on the certificate.
/// </summary>
public sealed class CrossModuleTests
{
    [SetUp]
    public async Task ResetAsync()
    {
        await App.ResetAsync();
        Seed.Stated.Clear();
    }

    private static MemoryStream Csv(string text) => new(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n")));

    private static async Task RelayUntilAsync(Func<Task<bool>> done)
    {
        var ok = await Poller.UntilAsync(async () =>
        {
            await Deliveries.DrainAsync(App.Services, CancellationToken.None);
            return await done();
        }, x => x, TimeSpan.FromSeconds(20));
        Assert.That(ok, Is.True, "the modules' events did not reach AnnualReview in time");
    }

    [Test]
    public async Task ImportedPlacements_ConfirmedByAReviewer_MakeTheYearReady_AndTheCertificateListsThePersons()
    {
        var (_, _, c) = await Seed.UnitsAsync();
        var system = TestUsers.System;
        try { await App.SendAsync(system, new GetPlacementSummary(c.Id, Seed.Year)); }
        catch (Mediator.MissingMessageHandlerException) { Assume.That(false, "the Placement module is not composed in this build"); }
        await App.SendAsync(system, new ImportLinkageData("minimum-wages", Csv("""
            region_code,effective_from,monthly_minimum
            330000,2024-01-01,2280
            330100,2025-01-01,2490

            """)));
        await App.SendAsync(system, new ImportLinkageData("certificates", Csv("""
            id_number,name,certificate_type,certificate_number,category,level,issued_on,valid_until,revoked_on
            330106197205050581,吴刚,disability,33010619720505058164,6,4,2014-04-04,,
            330105198312300724,郑洁,veteran,JUN2016A0010,,2,2016-01-01,2025-06-30,

            """)));
        var si = new StringBuilder("id_number,payer_credit_code,month,insurance_type,paid\n");
        var wages = new StringBuilder("id_number,payer_credit_code,month,gross_wage\n");
        foreach (var id in new[] { "330106197205050581", "330105198312300724" })
            for (var m = 1; m <= 12; m++)
            {
                si.Append($"{id},{Seed.UnitC},2025-{m:00},pension,1\n");
                wages.Append($"{id},{Seed.UnitC},2025-{m:00},5000.00\n");
            }
        await App.SendAsync(system, new ImportLinkageData("social-insurance", Csv(si.ToString())));
        await App.SendAsync(system, new ImportLinkageData("wages", Csv(wages.ToString())));
        await App.SendAsync(system, new ImportPlacements(Csv($"""
            credit_code,business_year,id_number,name,certificate_type,certificate_number,employment_start,employment_end,contract_type,contract_start,contract_end,monthly_wage,retirement_base,phone
            {Seed.UnitC},2025,330106197205050581,吴刚,disability,33010619720505058164,2020-01-01,,open_ended,2020-01-01,,5000,,
            {Seed.UnitC},2025,330105198312300724,郑洁,veteran,JUN2016A0010,2020-01-01,,open_ended,2020-01-01,,5000,,

            """)));

        await RelayUntilAsync(async () => await Seed.StateAsync(c) == AnnualReviewState.InProgress);
        var refused = await App.SendAsync(TestUsers.Employer(c.Id), new GetCommitmentLetter(c.Id, Seed.Year));

        var reviewer = TestUsers.Reviewer("3301");
        foreach (var placement in await App.SendAsync(reviewer, new GetPlacements(c.Id, Seed.Year)))
            await App.SendAsync(reviewer, new ConfirmPlacement(placement.Id));
        await RelayUntilAsync(async () => await Seed.StateAsync(c) == AnnualReviewState.ReadyToCertify);

        var issued = await App.SendAsync(TestUsers.Employer(c.Id), new CertifyAnnualReview(c.Id, Seed.Year));
        var file = await App.SendAsync(TestUsers.Employer(c.Id), new DownloadAnnualCertificate(c.Id, Seed.Year));
        var path = Path.Combine(Path.GetTempPath(), $"annual-cross-{Guid.NewGuid():N}.pdf");
        await using (var output = File.Create(path)) await file.Content.CopyToAsync(output);
        var text = await CertificateTests.RunAsync("pdftotext", "-layout", path, "-");
        File.Delete(path);

        Assert.Multiple(() =>
        {
            Assert.That(refused.CanCertify, Is.False);
            // 吴刚: 12 plain months; 郑洁: severe veteran, valid January–June = 6 months × 2.
            Assert.That(issued.PersonMonths, Is.EqualTo(24));
            Assert.That(issued.CertifiedCount, Is.EqualTo(2.00m));
            Assert.That(text, Does.Contain("杭州市西湖区公共服务中心").And.Contain("2.00"));
            Assert.That(text, Does.Contain("330106********0581").And.Contain("精神残疾").And.Contain("残疾军人"));
            Assert.That(text, Does.Not.Contain("吴刚"));
        });
    }
}
