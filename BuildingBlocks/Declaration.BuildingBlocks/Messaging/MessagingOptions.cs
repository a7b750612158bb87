namespace Declaration.BuildingBlocks.Messaging;

/// <summary>
/// Delivery of integration events (<c>Declaration:Messaging</c>): the relay from every outbox, and the processing of every
/// module's inbox, with retries and parking.
/// </summary>
public sealed class MessagingOptions
{
    /// <summary>Whether this process runs the relay and the inbox processor in the background (tests drive them by hand).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the relay and the processor look for work when nothing woke them.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Outbox rows the relay claims in one transaction.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// Deliveries applied in one transaction (claimed together, in their order). A batch that fails is applied again one delivery at a
    /// time, so a failing handler holds up no other delivery; its handlers' changes and side effects inside the transaction roll back.
    /// </summary>
    public int InboxBatchSize { get; set; } = 50;

    /// <summary>
    /// Workers applying one module's inbox at once, each its own batches (rows are claimed with SKIP LOCKED, as by several
    /// hosts): one worker a core, so that the projections keep up with the requests that raise their events.
    /// </summary>
    public int InboxWorkers { get; set; } = Environment.ProcessorCount;

    /// <summary>Deliveries of one message to one handler before it is parked (listed on /Admin/Deliveries, re-drivable).</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Back-off after the first failure; doubled after each further failure, up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Fault injection for the reliability tests: the probability that a handler's delivery fails after the handler ran
    /// (its changes are rolled back and the delivery is retried). Refused in the Production environment.
    /// </summary>
    public double FaultInjectionRate { get; set; }

    /// <summary>The back-off before attempt <paramref name="attempts"/> + 1 (attempts made so far ≥ 1), with ±20 % jitter.</summary>
    public TimeSpan BackOff(int attempts)
    {
        var exponent = Math.Min(Math.Max(attempts - 1, 0), 20);
        var delay = Math.Min(RetryBaseDelay.TotalMilliseconds * Math.Pow(2, exponent), RetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(delay * (0.8 + Random.Shared.NextDouble() * 0.4));
    }
}
