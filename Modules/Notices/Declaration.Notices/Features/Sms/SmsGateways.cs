using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Declaration.Notices.Features.Sms;

internal sealed class SmsOptions
{
    /// <summary>Whether this host runs the background sender.</summary>
    public bool SenderEnabled { get; set; } = true;
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
    public int BatchSize { get; set; } = 50;
    /// <summary>Deliveries tried per message before it is recorded as failed (each delivery may retry quickly within the gateway).</summary>
    public int MaxAttempts { get; set; } = 5;
    /// <summary>How long a claimed message is reserved for its sender before another may try it.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);
    public SmsGatewayOptions Gateway { get; set; } = new();
}

internal sealed class SmsGatewayOptions
{
    /// <summary>The SMS platform's endpoint; empty = the local sink (messages stored, listed on the admin page).</summary>
    public string? Url { get; set; }
    public string? ApiKey { get; set; }
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
    public int Retries { get; set; } = 2;
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);
}

internal sealed record SmsOutgoing(Guid MessageId, string Mobile, string Content);

internal enum SmsOutcome { Sent, Transient, Permanent }

internal sealed record SmsSendResult(SmsOutcome Outcome, string? GatewayMessageId = null, string? Error = null);

internal interface ISmsGateway
{
    string Name { get; }
    Task<SmsSendResult> SendAsync(SmsOutgoing message, CancellationToken ct);
}

/// <summary>The default gateway: stores each message (once per message id) instead of sending it.</summary>
internal sealed class LocalSinkGateway(IDbSession db, TimeProvider clock) : ISmsGateway
{
    public string Name => "local";

    public async Task<SmsSendResult> SendAsync(SmsOutgoing message, CancellationToken ct)
    {
        await db.ExecuteAsync("""
            INSERT INTO notices.sms_sink (message_id, mobile, content, received_at) VALUES (@MessageId, @Mobile, @Content, @now)
            ON CONFLICT (message_id) DO NOTHING
            """, new { message.MessageId, message.Mobile, message.Content, now = clock.GetUtcNow() }, ct);
        return new SmsSendResult(SmsOutcome.Sent, "local-" + message.MessageId.ToString("N"));
    }
}

/// <summary>
/// The SMS platform over HTTP (<c>Declaration:Sms:Gateway:Url</c>): POST JSON {mobile, content, messageId} with an
/// <c>Idempotency-Key</c> header equal to the message id on every attempt, so a retry after a lost answer never sends
/// twice. Polly: a timeout per attempt, retries with backoff on timeouts, network errors, 408, 429 and 5xx; other 4xx
/// (e.g. an invalid mobile) are permanent.
/// </summary>
internal sealed class HttpSmsGateway : ISmsGateway
{
    public const string HttpClientName = "sms-gateway";
    private readonly IHttpClientFactory _clients;
    private readonly SmsGatewayOptions _options;
    private readonly ILogger<HttpSmsGateway> _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public HttpSmsGateway(IHttpClientFactory clients, IOptions<SmsOptions> options, ILogger<HttpSmsGateway> logger)
    {
        _clients = clients;
        _options = options.Value.Gateway;
        _logger = logger;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(0, _options.Retries),
                Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(IsTransient),
                OnRetry = args =>
                {
                    _logger.LogWarning("SMS gateway attempt {Attempt} failed ({Reason}); retrying", args.AttemptNumber + 1,
                        args.Outcome.Exception?.GetType().Name ?? ((int?)args.Outcome.Result?.StatusCode)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(_options.Timeout)
            .Build();
    }

    public string Name => "http";

    private static bool IsTransient(HttpResponseMessage r) => (int)r.StatusCode >= 500 || r.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    public async Task<SmsSendResult> SendAsync(SmsOutgoing message, CancellationToken ct)
    {
        var client = _clients.CreateClient(HttpClientName);
        var key = message.MessageId.ToString("N");
        try
        {
            using var response = await _pipeline.ExecuteAsync(async token =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url)
                {
                    Content = JsonContent.Create(new { mobile = message.Mobile, content = message.Content, messageId = key }),
                };
                request.Headers.Add("Idempotency-Key", key);
                if (!string.IsNullOrEmpty(_options.ApiKey)) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _options.ApiKey);
                return await client.SendAsync(request, token);
            }, ct);
            if (response.IsSuccessStatusCode) return new SmsSendResult(SmsOutcome.Sent, await GatewayIdAsync(response, ct) ?? key);
            var body = await response.Content.ReadAsStringAsync(ct);
            var error = $"短信平台返回 {(int)response.StatusCode}：{(body.Length > 200 ? body[..200] : body)}";
            return new SmsSendResult(IsTransient(response) ? SmsOutcome.Transient : SmsOutcome.Permanent, null, error);
        }
        catch (TimeoutRejectedException)
        {
            return new SmsSendResult(SmsOutcome.Transient, null, $"短信平台超时（每次{_options.Timeout.TotalSeconds:0.#}秒，已重试{_options.Retries}次）");
        }
        catch (HttpRequestException ex)
        {
            return new SmsSendResult(SmsOutcome.Transient, null, "无法连接短信平台：" + ex.Message);
        }
    }

    private static async Task<string?> GatewayIdAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (string.IsNullOrWhiteSpace(text)) return null;
            using var json = JsonDocument.Parse(text);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("id", out var id) ? id.ToString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
