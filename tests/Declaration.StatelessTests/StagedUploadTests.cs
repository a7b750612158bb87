using System.Text;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Files;
using Microsoft.Extensions.DependencyInjection;
using static Declaration.StatelessTests.TwoInstances;

namespace Declaration.StatelessTests;

/// <summary>批量申报's upload between preview and confirm: in the database, for one unit and one user, expiring after two hours.</summary>
public sealed class StagedUploadTests
{
    private const string Purpose = "bulk-declaration";
    private static readonly Guid Unit = Guid.NewGuid();
    private static readonly Guid OtherUnit = Guid.NewGuid();

    [SetUp]
    public async Task ResetAsync()
    {
        await A.ResetAsync();
        ClockB.Now = A.Clock.Now;
    }

    private static Task<string> StageOnAAsync(string text, string owner = "clerk-1") =>
        InScopeAsync(A.Services, sp => sp.GetRequiredService<IUploadStash>()
            .StageAsync(Purpose, Unit, owner, new MemoryStream(Encoding.UTF8.GetBytes(text)), "批量申报.csv", 1024 * 1024, CancellationToken.None));

    private static Task<string?> OpenOnBAsync(string token, Guid unit, string owner, string purpose = Purpose) =>
        InScopeAsync(B, async sp =>
        {
            if (await sp.GetRequiredService<IUploadStash>().OpenAsync(purpose, unit, owner, token, CancellationToken.None) is not { } staged) return null;
            await using var content = staged.Content;
            using var reader = new StreamReader(content, Encoding.UTF8);
            return staged.FileName + ":" + await reader.ReadToEndAsync();
        });

    [Test]
    public async Task StagedOnOneInstance_OpensOnAnother_OnlyForTheSameUnitUserAndPurpose()
    {
        var token = await StageOnAAsync("credit_code,business_year\n");
        Assert.Multiple(async () =>
        {
            Assert.That(token, Has.Length.EqualTo(40));
            Assert.That(await OpenOnBAsync(token, Unit, "clerk-1"), Is.EqualTo("批量申报.csv:credit_code,business_year\n"));
            Assert.That(await OpenOnBAsync(token, OtherUnit, "clerk-1"), Is.Null, "another unit");
            Assert.That(await OpenOnBAsync(token, Unit, "clerk-2"), Is.Null, "another user of the unit");
            Assert.That(await OpenOnBAsync(token, Unit, "clerk-1", "other-purpose"), Is.Null);
            Assert.That(await OpenOnBAsync((token[0] == '0' ? "1" : "0") + token[1..], Unit, "clerk-1"), Is.Null, "a guessed token");
        });

        await InScopeAsync(B, async sp => { await sp.GetRequiredService<IUploadStash>().RemoveAsync(token, CancellationToken.None); return true; });
        Assert.That(await OpenOnBAsync(token, Unit, "clerk-1"), Is.Null, "confirmed uploads are removed");
        Assert.That(await CountAsync(), Is.EqualTo((0L, 0L)), "with their stored files");
    }

    [Test]
    public async Task AStagedUpload_ExpiresAfterTwoHours_AndIsCleanedUp()
    {
        var old = await StageOnAAsync("old");
        ClockB.Now = A.Clock.Now + TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1);
        Assert.That(await OpenOnBAsync(old, Unit, "clerk-1"), Is.EqualTo("批量申报.csv:old"), "still valid just before two hours");

        ClockB.Now = A.Clock.Now + TimeSpan.FromHours(2);
        Assert.That(await OpenOnBAsync(old, Unit, "clerk-1"), Is.Null, "expired at two hours");
        Assert.That(await CountAsync(), Is.EqualTo((1L, 1L)), "not yet cleaned up");

        // The next stage (on any instance) or the hourly job removes expired uploads and their files; fresh ones stay.
        A.Clock.Now += TimeSpan.FromHours(2);
        var fresh = await StageOnAAsync("fresh");
        Assert.That(await CountAsync(), Is.EqualTo((1L, 1L)));
        Assert.That(await OpenOnBAsync(fresh, Unit, "clerk-1"), Is.EqualTo("批量申报.csv:fresh"));

        ClockB.Now += TimeSpan.FromHours(3);
        var purged = await InScopeAsync(B, sp => sp.GetRequiredService<IUploadStash>().PurgeExpiredAsync(CancellationToken.None));
        Assert.That(purged, Is.EqualTo(1));
        Assert.That(await CountAsync(), Is.EqualTo((0L, 0L)));
    }

    private static Task<(long Staged, long Files)> CountAsync() =>
        InScopeAsync(B, sp => sp.GetRequiredService<IDbSession>().QuerySingleAsync<(long, long)>(
            "SELECT (SELECT count(*) FROM platform.staged_upload), (SELECT count(*) FROM platform.stored_file)", null, CancellationToken.None));
}
