using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Host.Infrastructure;
using Declaration.Units.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static Declaration.Certification.Tests.CertificationFixture;
using static Declaration.TestSupport.LinkageData;

namespace Declaration.Certification.Tests;

/// <summary>The shared demo's linkage data (DEMO.md) tells each person's story when the placements are certified.</summary>
public sealed class DemoDataTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    [Test]
    public async Task DemoLinkageData_TellsEveryStoryOfDemoMd_AndSeedingTwiceChangesNothing()
    {
        await SeedAsync();
        var rowsBefore = await ScalarAsync<long>("SELECT (SELECT count(*) FROM certification.social_insurance) + (SELECT count(*) FROM certification.wage)");
        var seederAgain = App.Services.GetServices<IDemoDataSeeder>().Single(s => s.Order == 20);
        await App.InScopeAsync(TestUsers.System, async sp => { await seederAgain.SeedAsync(sp, CancellationToken.None); return 0; });
        var rowsAfter = await ScalarAsync<long>("SELECT (SELECT count(*) FROM certification.social_insurance) + (SELECT count(*) FROM certification.wage)");

        var (zhang, li, wang, zhao, liu, chen, zhou, wu, sunA, sunD, sunAAfter, zheng) = await CertifyStoriesAsync();

        Assert.Multiple(() =>
        {
            Assert.That(rowsAfter, Is.EqualTo(rowsBefore));
            Assert.That((zhang.QualifyingMonths, zhang.PersonMonths), Is.EqualTo((12, 24)), "1 张伟: severe, all year");
            Assert.That(MonthsWith(li, ReasonCodes.SiNotPaid), Is.EqualTo(new[] { 3, 4 }), "2 李强");
            Assert.That((wang.QualifyingMonths, MonthsWith(wang, ReasonCodes.FlagViaRelatedUnit).Length), Is.EqualTo((12, 12)), "3 王芳 via D");
            Assert.That(MonthsWith(zhao, ReasonCodes.WageBelowMinimum), Is.EqualTo(Range(1, 6)), "4 赵敏");
            Assert.That(MonthsWith(liu, ReasonCodes.AgeRetired), Is.EqualTo(Range(4, 12)), "5 刘建国");
            Assert.That((chen.QualifyingMonths, zhou.PersonMonths, wu.QualifyingMonths), Is.EqualTo((12, 24, 12)), "6–8");
            Assert.That(sunD.QualifyingMonths, Is.EqualTo(12), "9 孙磊: D keeps the months");
            Assert.That(MonthsWith(sunAAfter, ReasonCodes.DuplicateDeclaration), Is.EqualTo(AllYear), "9 孙磊: A gets DUPLICATE_DECLARATION");
            Assert.That(MonthsWith(zheng, ReasonCodes.CertInvalid), Is.EqualTo(Range(7, 12)), "10 郑洁");
            Assert.That(zheng.PersonMonths, Is.EqualTo(12), "10 郑洁: veteran level 2 is severe");
        });
    }
    /// <summary>
    /// The whole-year batch (one pass over every placement of the year) and the chunked batch (targets and their persons' other
    /// placements) reproduce exactly what step 3 stored, placement by placement, on the demo's every story (related unit, the
    /// dispatch duplicate, retirement, wages, payment gaps, veteran).
    /// </summary>
    [Test]
    public async Task WholeYearAndChunkedBatches_ReproduceTheStepThreeResults()
    {
        await SeedAsync();
        await CertifyStoriesAsync();
        const string snapshot = "SELECT string_agg(format('%s/%s/%s/%s/%s', placement_id, month, weight, reasons, flags), ';' ORDER BY placement_id, month) FROM certification.month_result";
        var stepThree = await ScalarAsync<string>(snapshot);
        var configuration = App.Services.GetRequiredService<IConfiguration>();
        try
        {
            configuration["Declaration:Certification:ChunkPlacements"] = "1000000";
            var removed = await ScalarAsync<long>("WITH d AS (DELETE FROM certification.placement_months RETURNING 1) SELECT count(*) FROM d");
            var whole = await App.SendAsync(TestUsers.System, new RunCertificationBatch(Year, null, OnlyChanged: false));
            var afterWhole = await ScalarAsync<string>(snapshot);
            configuration["Declaration:Certification:ChunkPlacements"] = "2";
            var chunked = await App.SendAsync(TestUsers.System, new RunCertificationBatch(Year, null, OnlyChanged: false));
            var afterChunked = await ScalarAsync<string>(snapshot);
            Assert.Multiple(() =>
            {
                Assert.That(removed, Is.EqualTo(11));
                Assert.That(whole.Placements, Is.EqualTo(11));
                Assert.That(afterWhole, Is.EqualTo(stepThree));
                Assert.That(chunked.Changed, Is.Zero);
                Assert.That(afterChunked, Is.EqualTo(stepThree));
            });
        }
        finally
        {
            configuration["Declaration:Certification:ChunkPlacements"] = "2";
        }
    }

    private static async Task SeedAsync()
    {
        foreach (var seeder in App.Services.GetServices<IDemoDataSeeder>().Where(s => s.Order is 10 or 20).OrderBy(s => s.Order))
            await App.InScopeAsync(TestUsers.System, async sp => { await seeder.SeedAsync(sp, CancellationToken.None); return 0; });
        await DemoData.DrainOutboxAsync(App.Services, CancellationToken.None);
    }

    /// <summary>Step 3 for each person of DEMO.md (孙磊 twice: A, then D; A's result read again after D's declaration).</summary>
    private static async Task<(CertificationResultDto Zhang, CertificationResultDto Li, CertificationResultDto Wang, CertificationResultDto Zhao,
        CertificationResultDto Liu, CertificationResultDto Chen, CertificationResultDto Zhou, CertificationResultDto Wu, CertificationResultDto SunA,
        CertificationResultDto SunD, CertificationResultDto SunAAfter, CertificationResultDto Zheng)> CertifyStoriesAsync()
    {
        var units = new Dictionary<string, UnitDto>();
        foreach (var code in new[] { A, B, C, D }) units[code] = (await App.SendAsync(TestUsers.System, new GetUnitByCreditCode(code)))!;
        Task<CertificationResultDto> Certify(string unit, string id, string number, string type = "disability") =>
            CertifyAsync(Facts(units[unit], id));

        var zhang = await Certify(A, "330106198506120015", "33010619850612001542");
        var li = await Certify(A, "330106199003072511", "33010619900307251123");
        var wang = await Certify(A, "330102197809210122", "33010219780921012214");
        var zhao = await Certify(A, "330108199211150249", "33010819921115024953");
        var liu = await Certify(A, "330106196503010196", "33010619650301019644");
        var chen = await Certify(B, "330212198808080330", "33021219880808033033");
        var zhou = await Certify(B, "33021219950120046X", "33021219950120046X41");
        var wu = await Certify(C, "330106197205050581", "33010619720505058164");
        var sunA = await Certify(A, "330106200104170634", "33010620010417063443");
        var sunD = await Certify(D, "330106200104170634", "33010620010417063443");
        var sunAAfter = (await App.SendAsync(TestUsers.System, new GetCertificationResult(sunA.PlacementId)))!;
        var zheng = await Certify(C, "330105198312300724", "JUN2016A0010", "veteran");

        return (zhang, li, wang, zhao, liu, chen, zhou, wu, sunA, sunD, sunAAfter, zheng);
    }
}
