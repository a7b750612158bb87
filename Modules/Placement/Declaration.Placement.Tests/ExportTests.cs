using System.Text;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using static Declaration.Placement.Tests.PlacementFixture;
using static Declaration.TestSupport.LinkageData;

namespace Declaration.Placement.Tests;

/// <summary>The exports of FORMATS.md, byte for byte.</summary>
public sealed class ExportTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static async Task<string[]> ExportAsync(Func<Stream, Mediator.IQuery<long>> request)
    {
        using var stream = new MemoryStream();
        await App.SendAsync(TestUsers.System, request(stream));
        return Encoding.UTF8.GetString(stream.ToArray()).Split('\n');
    }

    [Test]
    public async Task CertificationResults_TwelveRowsAPlacement_OrderedByCreditCodeIdNumberMonth_CodesSortedAndJoined()
    {
        var units = await UnitsAsync((A, D, "labor_dispatch", "2024-01-01", null));
        await StandardMinimumWagesAsync();
        var late = IdNumber("19900101", 31);      // sorts after `early` in unit A
        var early = IdNumber("19850101", 11);
        await CertificateAsync(late, category: 4, level: 2);
        await CertificateAsync(early, category: 4, level: 3);
        await PaidAsync(late, A, Range(1, 11));
        await PaidAsync(early, D, AllYear, wage: 2000m);
        var ningbo = IdNumber("19900101", 51);
        await DeclareAsync(units[A], late, certificateNumber: late + "42");
        await DeclareAsync(units[A], early);
        await DeclareAsync(units[B], ningbo);
        var lines = await ExportAsync(s => new ExportCertificationResults(Year, s));
        Assert.Multiple(() =>
        {
            Assert.That(lines[0], Is.EqualTo("credit_code,business_year,id_number,month,qualifies,weight,reasons,flags"));
            Assert.That(lines, Has.Length.EqualTo(1 + 36 + 1));
            Assert.That(lines[^1], Is.Empty);
            Assert.That(lines[1], Is.EqualTo($"{A},2025,{early},1,0,0,WAGE_BELOW_MINIMUM,VIA_RELATED_UNIT"));
            Assert.That(lines[12], Is.EqualTo($"{A},2025,{early},12,0,0,WAGE_BELOW_MINIMUM,VIA_RELATED_UNIT"));
            Assert.That(lines[13], Is.EqualTo($"{A},2025,{late},1,1,2,,"));
            Assert.That(lines[24], Is.EqualTo($"{A},2025,{late},12,0,0,SI_NOT_PAID,"));
            Assert.That(lines[25], Is.EqualTo($"{B},2025,{ningbo},1,0,0,CERT_NONE|SI_NOT_PAID,"));
        });
    }

    [Test]
    public async Task CertifiedCounts_ConfirmedPlacementsAfterReview_TwoDecimalsHalfUp()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900101", 11);
        var other = IdNumber("19900101", 31);
        await CertificateAsync(id, category: 4, level: 3);
        await CertificateAsync(other, category: 4, level: 3);
        await PaidAsync(id, A, Range(1, 7));
        await PaidAsync(other, B, AllYear);
        var r = await SubmitAsync(units[A], await DeclareAsync(units[A], id));
        await SubmitAsync(units[B], await DeclareAsync(units[B], other));   // not confirmed: not exported
        await App.SendAsync(TestUsers.Reviewer("3301"), new ConfirmPlacement(r.PlacementId));
        var lines = await ExportAsync(s => new ExportCertifiedCounts(Year, s));
        // 7 months ÷ 12 = 0.58333… → 0.58
        Assert.That(lines, Is.EqualTo(new[] { "credit_code,business_year,person_months,certified_count", $"{A},2025,7,0.58", "" }));
    }
}
