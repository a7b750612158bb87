using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Testing;
using Declaration.Placement.Contracts;
using Declaration.Notices.Features.Sms;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Declaration.Notices.Tests.NoticesFixture;

namespace Declaration.Notices.Tests;

/// <summary>
/// A stand-in SMS platform on 127.0.0.1: each request takes the next scripted behaviour (delay, status); it delivers a
/// message once per Idempotency-Key, as a real platform honouring the key would, and records every request.
/// </summary>
internal sealed class StubSmsPlatform : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(TimeSpan Delay, int Status)> _script = new();

    public ConcurrentQueue<(string? Key, string Mobile)> Requests { get; } = new();
    public ConcurrentDictionary<string, string> Delivered { get; } = new();
    public string Url { get; }

    private StubSmsPlatform(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<StubSmsPlatform> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        StubSmsPlatform? stub = null;
        app.MapPost("/sms", async (HttpContext context) =>
        {
            using var json = await JsonDocument.ParseAsync(context.Request.Body);
            var mobile = json.RootElement.GetProperty("mobile").GetString() ?? "";
            var content = json.RootElement.GetProperty("content").GetString() ?? "";
            string? key = context.Request.Headers["Idempotency-Key"];
            stub!.Requests.Enqueue((key, mobile));
            var (delay, status) = stub._script.TryDequeue(out var next) ? next : (TimeSpan.Zero, 200);
            if (mobile.StartsWith("199", StringComparison.Ordinal)) status = 400;
            if (status == 200 && key is not null) stub.Delivered.TryAdd(key, content);
            if (delay > TimeSpan.Zero)
            {
                try { await Task.Delay(delay, context.RequestAborted); }
                catch (OperationCanceledException) { return; }
            }
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(status == 200 ? new { id = "gw-" + key } : (object)new { error = status == 400 ? "invalid mobile" : "busy" });
        });
        await app.StartAsync();
        stub = new StubSmsPlatform(app, app.Urls.First().TrimEnd('/') + "/sms");
        return stub;
    }

    public void Then(int status, TimeSpan? delay = null) => _script.Enqueue((delay ?? TimeSpan.Zero, status));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed class HttpGatewayTests
{
    private StubSmsPlatform _stub = null!;

    [SetUp]
    public async Task SetUpAsync()
    {
        await App.ResetAsync();
        _stub = await StubSmsPlatform.StartAsync();
    }

    [TearDown]
    public async Task TearDownAsync() => await _stub.DisposeAsync();

    private IOptions<SmsOptions> Options(int maxAttempts = 5) => Microsoft.Extensions.Options.Options.Create(new SmsOptions
    {
        MaxAttempts = maxAttempts,
        Gateway = new SmsGatewayOptions { Url = _stub.Url, Timeout = TimeSpan.FromMilliseconds(1500), Retries = 2, RetryDelay = TimeSpan.FromMilliseconds(20) },
    });

    private sealed class Clients : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new() { Timeout = Timeout.InfiniteTimeSpan };
    }

    private HttpSmsGateway Gateway(int maxAttempts = 5) => new(new Clients(), Options(maxAttempts), NullLogger<HttpSmsGateway>.Instance);

    private static SmsOutgoing Message(string mobile = "13800000001") => new(Guid.NewGuid(), mobile, "【浙江省残联】测试短信");

    [Test]
    public async Task ATimeout_ThenSuccess_SendsOnce_UnderOneIdempotencyKey()
    {
        _stub.Then(200, TimeSpan.FromSeconds(3));
        _stub.Then(200);
        var message = Message();
        var result = await Gateway().SendAsync(message, CancellationToken.None);
        var keys = _stub.Requests.Select(r => r.Key).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome, Is.EqualTo(SmsOutcome.Sent));
            Assert.That(keys, Has.Count.EqualTo(2), "the first attempt timed out and was retried");
            Assert.That(keys.Distinct(), Is.EqualTo(new[] { message.MessageId.ToString("N") }));
            Assert.That(_stub.Delivered, Has.Count.EqualTo(1), "the platform delivered the message once although it was posted twice");
        });
    }

    [Test]
    public async Task A500_ThenSuccess_IsRetried_AndReportsTheGatewaysId()
    {
        _stub.Then(500);
        _stub.Then(200);
        var message = Message();
        var result = await Gateway().SendAsync(message, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome, Is.EqualTo(SmsOutcome.Sent));
            Assert.That(result.GatewayMessageId, Is.EqualTo("gw-" + message.MessageId.ToString("N")));
            Assert.That(_stub.Requests, Has.Count.EqualTo(2));
            Assert.That(_stub.Delivered, Has.Count.EqualTo(1));
        });
    }

    private static Task<SmsDispatchSummary> DispatchAsync(ISmsGateway gateway, IOptions<SmsOptions> options) => App.InScopeAsync(TestUsers.System, sp =>
        new SmsDispatcher(sp.GetRequiredService<IDbSession>(), gateway, options, App.Clock, NullLogger<SmsDispatcher>.Instance).DispatchOnceAsync(CancellationToken.None));

    private sealed record Row(string Status, int Attempts, string? LastError, string? GatewayMessageId);

    private static async Task<Row> RowAsync() => (await App.InScopeAsync(TestUsers.System, sp => sp.GetRequiredService<IDbSession>().QueryAsync<Row>(
        "SELECT status, attempts, last_error AS LastError, gateway_message_id AS GatewayMessageId FROM notices.sms_message", null, CancellationToken.None))).Single();

    private static async Task QueueOneAsync(string? mobile = null)
    {
        var u = await Seed.UnitsAsync(App);
        if (mobile is not null)
            await App.InScopeAsync(TestUsers.System, sp => sp.GetRequiredService<IDbSession>().ExecuteAsync(
                "UPDATE notices.unit_contact SET contact_mobile = @mobile WHERE unit_id = @id", new { mobile, id = u.A.Id }, CancellationToken.None));
        await App.PublishAsync(new DisputeDecided(Guid.NewGuid(), u.A.Id, 2025, 4, true, "李*"));
        await Poller.UntilAsync(() => Seed.CountAsync(App, "SELECT count(*) FROM notices.sms_message"), n => n == 1);
    }

    [Test]
    public async Task AMessageSent_IsNeverSentAgain()
    {
        await QueueOneAsync();
        var gateway = Gateway();
        var first = await DispatchAsync(gateway, Options());
        App.Clock.Advance(TimeSpan.FromHours(1));
        var second = await DispatchAsync(gateway, Options());
        var row = await RowAsync();
        Assert.Multiple(() =>
        {
            Assert.That(first.Sent, Is.EqualTo(1));
            Assert.That(second.Claimed, Is.Zero);
            Assert.That(_stub.Requests, Has.Count.EqualTo(1));
            Assert.That(row.Status, Is.EqualTo("sent"));
            Assert.That(row.GatewayMessageId, Does.StartWith("gw-"));
        });
    }

    [Test]
    public async Task AMobileThePlatformRejects_IsRecordedAsFailed_AndNotRetried()
    {
        await QueueOneAsync("19900000000");
        var gateway = Gateway();
        var first = await DispatchAsync(gateway, Options());
        App.Clock.Advance(TimeSpan.FromDays(1));
        var second = await DispatchAsync(gateway, Options());
        var row = await RowAsync();
        Assert.Multiple(() =>
        {
            Assert.That(first.Failed, Is.EqualTo(1));
            Assert.That(second.Claimed, Is.Zero);
            Assert.That(_stub.Requests, Has.Count.EqualTo(1), "a 400 is permanent: no quick retry, no later retry");
            Assert.That(row.Status, Is.EqualTo("failed"));
            Assert.That(row.LastError, Does.Contain("400"));
        });
    }

    [Test]
    public async Task APlatformThatKeepsFailing_IsTriedABoundedNumberOfTimes_ThenTheMessageFails()
    {
        await QueueOneAsync();
        for (var i = 0; i < 100; i++) _stub.Then(503);
        var gateway = Gateway(maxAttempts: 3);
        var summaries = new List<SmsDispatchSummary>();
        for (var i = 0; i < 6; i++)
        {
            summaries.Add(await DispatchAsync(gateway, Options(maxAttempts: 3)));
            App.Clock.Advance(TimeSpan.FromHours(2));
        }
        var row = await RowAsync();
        Assert.Multiple(() =>
        {
            Assert.That(summaries.Select(s => s.Claimed), Is.EqualTo(new[] { 1, 1, 1, 0, 0, 0 }));
            Assert.That(_stub.Requests, Has.Count.EqualTo(3 * 3), "three deliveries of three quick attempts each");
            Assert.That(_stub.Requests.Select(r => r.Key).Distinct().Count(), Is.EqualTo(1));
            Assert.That(row.Status, Is.EqualTo("failed"));
            Assert.That(row.Attempts, Is.EqualTo(3));
            Assert.That(_stub.Delivered, Is.Empty);
        });
    }
}
