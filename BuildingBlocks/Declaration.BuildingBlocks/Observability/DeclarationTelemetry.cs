using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Declaration.BuildingBlocks.Observability;

/// <summary>
/// The application's own instruments, in one place: one <see cref="Meter"/> and one <see cref="ActivitySource"/> named
/// <see cref="Name"/>, exported by the host through OpenTelemetry (Prometheus <c>/metrics</c>, OTLP). Modules record through the
/// methods below (one line at the place the work finishes) and never create instruments of their own.
/// </summary>
public static class DeclarationTelemetry
{
    public const string Name = "Declaration";

    public static readonly Meter Meter = new(Name, "1.0");
    public static readonly ActivitySource ActivitySource = new(Name, "1.0");

    private static readonly double[] LongSeconds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    private static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>(
        "declaration.certification.batch.duration", "s", "Duration of a certification batch run (nightly or certify).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LongSeconds });
    private static readonly Counter<long> BatchPlacements = Meter.CreateCounter<long>(
        "declaration.certification.batch.placements", "{placement}", "Placements certified by batch runs.");
    private static readonly Counter<long> BatchChanged = Meter.CreateCounter<long>(
        "declaration.certification.batch.changed", "{placement}", "Placements whose result a batch run changed.");
    private static readonly Counter<long> ImportRows = Meter.CreateCounter<long>(
        "declaration.import.rows", "{row}", "Rows of accepted import files, by kind.");
    private static readonly Histogram<double> ImportRate = Meter.CreateHistogram<double>(
        "declaration.import.rate", "{row}/s", "Rows per second of each accepted import file, by kind.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [10, 100, 1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000] });
    private static readonly Histogram<double> ImportDuration = Meter.CreateHistogram<double>(
        "declaration.import.duration", "s", "Duration of each accepted import file, by kind.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LongSeconds });
    private static readonly Counter<long> SmsMessages = Meter.CreateCounter<long>(
        "declaration.sms.messages", "{message}", "SMS deliveries by outcome: sent, failed (given up), retrying.");
    private static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>(
        "declaration.jobs.duration", "s", "Duration of background (Hangfire) jobs, by job and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LongSeconds });

    private static volatile IReadOnlyList<OutboxBacklogRow> _outbox = [];

    static DeclarationTelemetry()
    {
        Meter.CreateObservableGauge("declaration.outbox.lag", () => _outbox.Select(r =>
            new Measurement<double>(r.OldestAge?.TotalSeconds ?? 0, new KeyValuePair<string, object?>("schema", r.Schema))),
            "s", "Age of the oldest unsent outbox row of each module (0 when none is pending).");
        Meter.CreateObservableGauge("declaration.outbox.pending", () => _outbox.Select(r =>
            new Measurement<long>(r.Pending, new KeyValuePair<string, object?>("schema", r.Schema))),
            "{event}", "Unsent outbox rows of each module.");
    }

    /// <summary>Counters of known outcomes start at zero (a scrape shows them before the first event, and rates work from the start).</summary>
    public static void StartCounters()
    {
        foreach (var outcome in new[] { "sent", "retrying", "failed" }) SmsMessages.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        foreach (var mode in new[] { "all", "changed" })
        {
            BatchPlacements.Add(0, new KeyValuePair<string, object?>("mode", mode));
            BatchChanged.Add(0, new KeyValuePair<string, object?>("mode", mode));
        }
    }

    public static void CertificationBatchCompleted(TimeSpan elapsed, long placements, long changed, bool onlyChanged)
    {
        var mode = new KeyValuePair<string, object?>("mode", onlyChanged ? "changed" : "all");
        BatchDuration.Record(elapsed.TotalSeconds, mode);
        BatchPlacements.Add(placements, mode);
        BatchChanged.Add(changed, mode);
    }

    public static void ImportCompleted(string kind, long rows, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("kind", kind);
        ImportRows.Add(rows, tag);
        ImportDuration.Record(elapsed.TotalSeconds, tag);
        if (elapsed > TimeSpan.Zero) ImportRate.Record(rows / elapsed.TotalSeconds, tag);
    }

    public static void SmsDispatched(int sent, int retrying, int failed)
    {
        if (sent > 0) SmsMessages.Add(sent, new KeyValuePair<string, object?>("outcome", "sent"));
        if (retrying > 0) SmsMessages.Add(retrying, new KeyValuePair<string, object?>("outcome", "retrying"));
        if (failed > 0) SmsMessages.Add(failed, new KeyValuePair<string, object?>("outcome", "failed"));
    }

    public static void JobCompleted(string job, TimeSpan elapsed, bool failed) =>
        JobDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("job", job), new KeyValuePair<string, object?>("outcome", failed ? "failed" : "succeeded"));

    /// <summary>The latest outbox sample (see <see cref="OutboxBacklog"/>), read by the outbox gauges.</summary>
    public static void SetOutboxBacklog(IReadOnlyList<OutboxBacklogRow> rows) => _outbox = rows;
}
