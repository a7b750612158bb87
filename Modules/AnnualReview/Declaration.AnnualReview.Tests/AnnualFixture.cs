using System.Text;
using Dapper;
using Declaration.AnnualReview.Contracts;
using Declaration.AnnualReview.Domain;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Testing;
using Declaration.Placement.Contracts;
using Declaration.TestSupport;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Declaration.AnnualReview.Tests;

[SetUpFixture]
public sealed class AnnualFixture
{
    public static TestApp App { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => App = await ModuleTestApp.StartAsync("annual_tests", services =>
    {
        services.AddSingleton<StatedInputs>();
        services.AddScoped<IAnnualReviewInputs, StatedInputsAdapter>();
        services.AddIntegrationEventHandler<AnnualReviewReopened, AnnualReviewReopenedSubscriber>("annual_review");
    }, new Dictionary<string, string?> { ["Declaration:Url"] = "http://verify.example.test:5080" });

    [OneTimeTearDown]
    public async Task StopAsync() => await App.DisposeAsync();
}

/// <summary>
/// Certification's and Placement's answers for the unit-years a test drives by events alone (the test states them);
/// unit-years without a stated answer ask the real modules through their Contracts.
/// </summary>
internal sealed class StatedInputs
{
    public readonly System.Collections.Concurrent.ConcurrentDictionary<(Guid, int), CertifiedCountDto> Counts = new();
    public readonly System.Collections.Concurrent.ConcurrentDictionary<(Guid, int), int> Unconfirmed = new();

    public void Clear()
    {
        Counts.Clear();
        Unconfirmed.Clear();
    }
}

internal sealed class StatedInputsAdapter(StatedInputs stated, ISender sender) : IAnnualReviewInputs
{
    private readonly ContractInputs _real = new(sender);

    public Task<CertifiedCountDto> GetCertifiedCountAsync(Guid unitId, int year, CancellationToken ct) =>
        stated.Counts.TryGetValue((unitId, year), out var count) ? Task.FromResult(count) : _real.GetCertifiedCountAsync(unitId, year, ct);

    public Task<int?> CountUnconfirmedAsync(Guid unitId, int year, CancellationToken ct) =>
        stated.Unconfirmed.TryGetValue((unitId, year), out var n) ? Task.FromResult<int?>(n)
        : stated.Counts.ContainsKey((unitId, year)) ? Task.FromResult<int?>(0) : _real.CountUnconfirmedAsync(unitId, year, ct);
}

internal static class Seed
{
    public const int Year = 2025;
    public const string UnitA = "91330106MA2CDE0A1M";
    public const string UnitB = "91330212MA2CDE0C3Q";
    public const string UnitC = "91330106MA2CDE0B2R";

    public const string Header = "credit_code,name,unit_type,region_code,federation_code,tax_authority_code,legal_representative,legal_phone,contact_name,contact_mobile,address";

    public static StatedInputs Stated => AnnualFixture.App.Services.GetRequiredService<StatedInputs>();

    /// <summary>A and C in Hangzhou 西湖 (3301), B in Ningbo (3302).</summary>
    public static async Task<(UnitDto A, UnitDto B, UnitDto C)> UnitsAsync()
    {
        var csv = string.Join("\n",
            Header,
            $"{UnitA},杭州西湖明远科技有限公司,enterprise,330106,330106,13301060000,王明远,0571-87001234,李晓红,13800571234,地址",
            $"{UnitB},\"宁波鄞州海晨制造有限公司,鄞州分部\",enterprise,330212,330212,13302120000,陈海晨,0574-88001234,周敏,13900574321,地址",
            $"{UnitC},杭州市西湖区公共服务中心,institution,330106,330106,13301060000,赵公正,0571-87005678,孙丽,13700571111,地址") + "\n";
        await AnnualFixture.App.SendAsync(TestUsers.System, new ImportUnits(new MemoryStream(Encoding.UTF8.GetBytes(csv))));
        var a = await AnnualFixture.App.SendAsync(TestUsers.System, new GetUnitByCreditCode(UnitA));
        var b = await AnnualFixture.App.SendAsync(TestUsers.System, new GetUnitByCreditCode(UnitB));
        var c = await AnnualFixture.App.SendAsync(TestUsers.System, new GetUnitByCreditCode(UnitC));
        return (a!, b!, c!);
    }

    /// <summary>
    /// Delivers integration events the way the modules do: written to the publisher's outbox, published by the relay, consumed
    /// through our inbox. Each event is stamped one second after the previous one; returns when our handlers have run.
    /// </summary>
    public static async Task DeliverAsync(params IntegrationEvent[] events)
    {
        var app = AnnualFixture.App;
        var stamped = new List<IntegrationEvent>();
        foreach (var e in events)
        {
            app.Clock.Advance(TimeSpan.FromSeconds(1));
            stamped.Add(e.OccurredAt == default ? e with { OccurredAt = app.Clock.Now } : e);
        }
        await WriteAndRelayAsync(stamped);
        await WaitConsumedAsync(stamped.Select(e => e.Id).ToArray());
    }

    /// <summary>
    /// Delivers the same event (same message id) again: a second outbox row carrying it (in another module's outbox, since the
    /// first row is marked sent) is relayed to our inbox, which absorbs the duplicate.
    /// </summary>
    public static async Task RedeliverAsync(IntegrationEvent e)
    {
        var app = AnnualFixture.App;
        var types = app.Services.GetRequiredService<EventTypeMap>();
        await using (var connection = new NpgsqlConnection(app.Server.ConnectionString))
            await connection.ExecuteAsync("INSERT INTO units.outbox (id, type, payload, occurred_at) VALUES (@Id, @type, @payload::jsonb, @OccurredAt)",
                new { e.Id, type = types.NameOf(e.GetType()), payload = types.Serialize(e), e.OccurredAt });
        await Deliveries.DrainAsync(app.Services, CancellationToken.None);
    }

    private static async Task WriteAndRelayAsync(IEnumerable<IntegrationEvent> events)
    {
        var app = AnnualFixture.App;
        await app.InScopeAsync(TestUsers.System, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            await db.BeginAsync(CancellationToken.None);
            foreach (var e in events) await sp.GetRequiredService<IOutbox>().AddAsync(e, CancellationToken.None);
            await db.CommitAsync(CancellationToken.None);
            return 0;
        });
        await Deliveries.DrainAsync(app.Services, CancellationToken.None);
    }

    private static async Task WaitConsumedAsync(Guid[] ids)
    {
        var consumed = await ScalarAsync<long>(
            "SELECT count(DISTINCT message_id) FROM annual_review.inbox WHERE message_id = ANY(@ids) AND processed_at IS NOT NULL", new { ids });
        Assert.That(consumed, Is.EqualTo(ids.Length), "AnnualReview did not consume every delivered event");
    }

    public static async Task<T> ScalarAsync<T>(string sql, object? param = null)
    {
        await using var connection = new NpgsqlConnection(AnnualFixture.App.Server.ConnectionString);
        return (await connection.ExecuteScalarAsync<T>(sql, param))!;
    }

    public static async Task<AnnualReviewState> StateAsync(UnitDto unit) =>
        (await AnnualFixture.App.SendAsync(TestUsers.Employer(unit.Id), new GetAnnualReviewStatus(unit.Id, Year))).State;

    /// <summary>A PlacementConfirmed as Placement publishes it; <paramref name="version"/> = the placement's version after confirming.</summary>
    public static PlacementConfirmed Confirmed(Guid placementId, UnitDto unit, int personMonths, int version = 3) =>
        new(placementId, unit.Id, Year, personMonths, "张*", version);

    /// <summary>States Placement's CertifiedCount of the unit-year (persons are masked, as Certification returns them).</summary>
    public static CertifiedCountDto StateCount(UnitDto unit, params (Guid Id, string Masked, string Name, int Category, int Level, int Months, int PersonMonths)[] persons)
    {
        var dto = new CertifiedCountDto(unit.Id, Year, persons.Sum(p => p.PersonMonths),
            persons.Select(p => new ConfirmedPersonDto(p.Id, p.Masked, p.Name, "disability", p.Category, p.Level, p.Months, p.PersonMonths)).ToList());
        Stated.Counts[(unit.Id, Year)] = dto;
        return dto;
    }

    /// <summary>Two confirmed placements: 12 severe months (24) + 10 plain months (10) = 34 person-months = 2.83.</summary>
    public static async Task<(Guid P1, Guid P2)> TwoConfirmedAsync(UnitDto unit)
    {
        var (p1, p2) = (Guid.NewGuid(), Guid.NewGuid());
        await DeliverAsync(new PlacementSubmitted(p1, unit.Id, Year, "张*", 2), new PlacementSubmitted(p2, unit.Id, Year, "李*", 2));
        await DeliverAsync(Confirmed(p1, unit, 24), Confirmed(p2, unit, 10));
        StateCount(unit, (p1, "330106********0015", "张*", 4, 2, 12, 24), (p2, "330108********0249", "赵*", 5, 3, 10, 10));
        return (p1, p2);
    }
}
