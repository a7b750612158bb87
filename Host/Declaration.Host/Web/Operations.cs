using System.Net;
using System.Text.Json;
using Declaration.BuildingBlocks.Observability;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Declaration.Host.Web;

/// <summary>
/// What an operator runs the web host with (README "Operations"): health endpoints for a load balancer, OpenTelemetry
/// metrics (Prometheus <c>/metrics</c>) and traces (OTLP), JSON logs, forwarded headers from trusted proxies, HSTS and
/// Secure cookies behind TLS, the OpenAPI document of <c>/api</c> with its reference page, problem details for every <c>/api</c> error.
/// </summary>
internal static class Operations
{
    public const string ReadyTag = "ready";
    public const string MetricsPath = "/metrics";

    public static void AddOperations(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        if (configuration.GetValue("Declaration:Logging:Json", false))
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.JsonWriterOptions = new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            });
            builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        }

        services.Configure<ForwardedHeadersOptions>(o => ConfigureForwardedHeaders(o, configuration));
        services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(configuration.GetValue("Declaration:Https:HstsMaxAgeDays", 365));
            o.IncludeSubDomains = configuration.GetValue("Declaration:Https:HstsIncludeSubDomains", false);
        });
        // Secure when the request is HTTPS (behind a TLS proxy: as X-Forwarded-Proto says), or always when configured.
        var secure = configuration.GetValue("Declaration:Https:RequireSecureCookies", false) ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        services.PostConfigure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme, o => o.Cookie.SecurePolicy = secure);
        services.PostConfigure<AntiforgeryOptions>(o => o.Cookie.SecurePolicy = secure);

        // Readiness: PostgreSQL answers, the bus is connected (MassTransit registers its own "masstransit-bus" check, tagged
        // "ready": with RabbitMQ configured it fails while the broker is unreachable), and the outbox is not stuck (degraded only).
        services.AddHealthChecks()
            .AddNpgSql(sp => sp.GetRequiredService<NpgsqlDataSource>(), name: "postgresql", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(5))
            .AddCheck<OutboxHealthCheck>("outbox", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(5));
        services.AddHostedService<OutboxBacklogSampler>();

        AddTelemetry(builder);
        JobTelemetryFilter.Register();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddApiDocument();
    }

    private static void ConfigureForwardedHeaders(ForwardedHeadersOptions o, IConfiguration configuration)
    {
        o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
        o.ForwardLimit = configuration.GetValue("Declaration:ForwardedHeaders:ForwardLimit", 1);
        // Loopback proxies are trusted by default (nginx on the same machine); others only when listed.
        foreach (var proxy in configuration.GetSection("Declaration:ForwardedHeaders:KnownProxies").Get<string[]>() ?? [])
            o.KnownProxies.Add(IPAddress.Parse(proxy));
        foreach (var network in configuration.GetSection("Declaration:ForwardedHeaders:KnownNetworks").Get<string[]>() ?? [])
            o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        if (configuration.GetSection("Declaration:ForwardedHeaders:AllowedHosts").Get<string[]>() is { Length: > 0 } hosts)
            o.AllowedHosts = hosts;
    }

    private static void AddTelemetry(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var otlp = !string.IsNullOrWhiteSpace(configuration["Declaration:Telemetry:OtlpEndpoint"])
                   || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
        var prometheus = configuration.GetValue("Declaration:Telemetry:Prometheus", true);
        if (!otlp && !prometheus) return;
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(configuration["Declaration:Telemetry:ServiceName"] ?? "declaration",
                serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithMetrics(m =>
            {
                m.AddMeter(DeclarationTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation();
                if (prometheus) m.AddPrometheusExporter();
                if (otlp) m.AddOtlpExporter(o => ConfigureOtlp(o, configuration, "v1/metrics"));
            });
        if (!otlp) return;
        telemetry.WithTracing(t => t
            .AddSource(DeclarationTelemetry.Name)
            .AddSource("MassTransit")
            .AddAspNetCoreInstrumentation(o => o.Filter = ctx =>
                !ctx.Request.Path.StartsWithSegments("/health") && !ctx.Request.Path.StartsWithSegments(MetricsPath))
            .AddHttpClientInstrumentation()
            .AddNpgsql()
            .AddOtlpExporter(o => ConfigureOtlp(o, configuration, "v1/traces")));
        telemetry.WithLogging(l => l.AddOtlpExporter(o => ConfigureOtlp(o, configuration, "v1/logs")), o => o.IncludeScopes = true);
    }

    /// <summary>The configured endpoint (else the OTEL_EXPORTER_OTLP_* variables apply); over HTTP each signal posts to its own path.</summary>
    private static void ConfigureOtlp(OpenTelemetry.Exporter.OtlpExporterOptions o, IConfiguration configuration, string signalPath)
    {
        var http = string.Equals(configuration["Declaration:Telemetry:OtlpProtocol"], "http", StringComparison.OrdinalIgnoreCase);
        if (http) o.Protocol = OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf;
        if (configuration["Declaration:Telemetry:OtlpEndpoint"] is { Length: > 0 } endpoint)
            o.Endpoint = new Uri(http ? endpoint.TrimEnd('/') + "/" + signalPath : endpoint);
    }

    /// <summary>First in the pipeline: forwarded headers (so everything after sees the client's address and scheme), HSTS, /api problem details, /metrics.</summary>
    public static void UseOperations(this WebApplication app)
    {
        var configuration = app.Configuration;
        app.Lifetime.ApplicationStarted.Register(DeclarationTelemetry.StartCounters);
        if (configuration.GetValue("Declaration:ForwardedHeaders:Enabled", true)) app.UseForwardedHeaders();
        // Sent only on HTTPS responses (as the request arrived at the proxy), never to localhost.
        if (configuration.GetValue("Declaration:Https:Hsts", true)) app.UseHsts();
        app.UseStatusCodePages(ApiProblems.WriteStatusAsync);
        if (configuration.GetValue("Declaration:Telemetry:Prometheus", true))
        {
            var allowed = (configuration.GetSection("Declaration:Telemetry:MetricsAllowedNetworks").Get<string[]>() ?? ["127.0.0.0/8", "::1/128"])
                .Select(n => System.Net.IPNetwork.Parse(n)).ToList();
            app.UseOpenTelemetryPrometheusScrapingEndpoint(ctx => ctx.Request.Path == MetricsPath && MetricsAllowed(ctx, allowed));
        }
        app.UseApiDocumentPage();
    }

    /// <summary>
    /// /metrics is for the monitoring system, scraping each host on its own address: only clients in the allowed networks
    /// (default loopback), and never a request relayed by a proxy (it carried forwarded headers), get it; everyone else gets 404.
    /// </summary>
    private static bool MetricsAllowed(HttpContext context, List<System.Net.IPNetwork> allowed)
    {
        var headers = context.Request.Headers;
        if (headers.ContainsKey("X-Forwarded-For") || headers.ContainsKey("X-Original-For") || headers.ContainsKey("Forwarded")) return false;
        var ip = context.Connection.RemoteIpAddress;
        if (ip is null) return false;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        return allowed.Any(n => n.Contains(ip));
    }

    /// <summary>Health and API-document endpoints (anonymous: a load balancer and integrators read them without an account).</summary>
    public static void MapOperations(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealthAsync }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteHealthAsync }).AllowAnonymous();
        app.MapApiDocument();
    }

    private static readonly JsonSerializerOptions HealthJson = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description ?? e.Value.Exception?.GetType().Name,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                // Only our own figures (the bus check lists every queue: no topology for anonymous callers).
                data = e.Key == "outbox" && e.Value.Data.Count > 0 ? e.Value.Data : null,
            }),
        }, HealthJson));
    }
}

/// <summary>
/// The outbox: degraded (still ready: one host leaving the pool would not help) when a module's oldest unsent event is older
/// than <c>Declaration:Health:OutboxMaxAge</c> (default 5 minutes); unhealthy only when the outbox cannot be read.
/// </summary>
internal sealed class OutboxHealthCheck(OutboxBacklog backlog, IConfiguration configuration) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var maxAge = configuration.GetValue("Declaration:Health:OutboxMaxAge", TimeSpan.FromMinutes(5));
        var rows = await backlog.ReadAsync(cancellationToken);
        var data = rows.ToDictionary(r => r.Schema, r => (object)new { pending = r.Pending, oldestAgeSeconds = r.OldestAge is { } a ? Math.Round(a.TotalSeconds, 1) : 0 });
        var late = rows.Where(r => r.OldestAge > maxAge).Select(r => r.Schema).ToList();
        return late.Count == 0
            ? HealthCheckResult.Healthy("待发送事件均未超时", data)
            : HealthCheckResult.Degraded($"以下模块有超过 {maxAge.TotalMinutes:0} 分钟未发送的事件：{string.Join("、", late)}", data: data);
    }
}
