using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Declaration.BuildingBlocks.Messaging;

/// <summary>
/// The relay and the inbox processor of this process, in the background: woken by a commit that wrote events (or a received
/// broker message), else polling. Database errors (PostgreSQL restarting) are logged and retried after a growing pause.
/// </summary>
public sealed class MessagingService(OutboxRelay relay, InboxProcessor processor, DeliverySignal signal, IOptions<MessagingOptions> options,
    ILogger<MessagingService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        var pause = options.Value.PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                int work;
                do
                {
                    // The relay and the inbox processor at once: rows the relay hands on now are applied in the next pass.
                    var counts = await Task.WhenAll(relay.ProcessOnceAsync(stoppingToken), processor.ProcessOnceAsync(stoppingToken));
                    work = counts.Sum();
                }
                while (work > 0 && !stoppingToken.IsCancellationRequested);
                pause = options.Value.PollInterval;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Event delivery pass failed; retrying in {Pause}", pause);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
            await signal.WaitAsync(pause, stoppingToken);
        }
    }
}
