using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.Notices.Features.Notices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Declaration.Notices.Features.Sms;

internal sealed record SmsDispatchSummary(int Claimed, int Sent, int Retrying, int Failed);

/// <summary>
/// Delivers due messages: claims a batch (FOR UPDATE SKIP LOCKED, a lease instead of a long transaction, so any number
/// of hosts share the queue and no HTTP call runs inside a transaction), hands each to the gateway, records the outcome.
/// A missing or invalid mobile, or a gateway's permanent refusal, fails the message at once; transient failures are
/// retried with backoff until <see cref="SmsOptions.MaxAttempts"/>, then the message is recorded as failed.
/// </summary>
internal sealed class SmsDispatcher(IDbSession db, ISmsGateway gateway, IOptions<SmsOptions> options, TimeProvider clock, ILogger<SmsDispatcher> logger)
{
    private sealed record Claimed(Guid Id, string Mobile, string Content, int Attempts);

    public async Task<SmsDispatchSummary> DispatchOnceAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var batch = await db.QueryAsync<Claimed>("""
            UPDATE notices.sms_message m SET attempts = m.attempts + 1, next_attempt_at = @leaseUntil
            WHERE m.id IN (SELECT id FROM notices.sms_message WHERE status = 'pending' AND next_attempt_at <= @now
                           ORDER BY next_attempt_at LIMIT @batch FOR UPDATE SKIP LOCKED)
            RETURNING m.id, m.mobile, m.content, m.attempts
            """, new { now, leaseUntil = now + o.Lease, batch = o.BatchSize }, ct);
        int sent = 0, retrying = 0, failed = 0;
        foreach (var m in batch)
        {
            SmsSendResult result;
            if (Identifiers.CheckMobile(m.Mobile) is not null)
                result = new SmsSendResult(SmsOutcome.Permanent, null, string.IsNullOrWhiteSpace(m.Mobile) ? "单位未填写经办人手机号码" : "经办人手机号码无效（应为以1开头的11位手机号码）");
            else
            {
                try { result = await gateway.SendAsync(new SmsOutgoing(m.Id, m.Mobile, m.Content), ct); }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "SMS {Id} could not be handed to the gateway", m.Id);
                    result = new SmsSendResult(SmsOutcome.Transient, null, ex.Message);
                }
            }
            var at = clock.GetUtcNow();
            switch (result.Outcome)
            {
                case SmsOutcome.Sent:
                    await db.ExecuteAsync("""
                        UPDATE notices.sms_message SET status = 'sent', sent_at = @at, gateway = @gw, gateway_message_id = @gid, last_error = NULL WHERE id = @id
                        """, new { id = m.Id, at, gw = gateway.Name, gid = result.GatewayMessageId }, ct);
                    sent++;
                    break;
                case SmsOutcome.Transient when m.Attempts < o.MaxAttempts:
                    var delay = TimeSpan.FromSeconds(Math.Min(3600, 30 * Math.Pow(2, m.Attempts - 1)));
                    await db.ExecuteAsync("UPDATE notices.sms_message SET next_attempt_at = @next, last_error = @error, gateway = @gw WHERE id = @id",
                        new { id = m.Id, next = at + delay, error = result.Error, gw = gateway.Name }, ct);
                    retrying++;
                    break;
                default:
                    await db.ExecuteAsync("UPDATE notices.sms_message SET status = 'failed', last_error = @error, gateway = @gw WHERE id = @id",
                        new { id = m.Id, error = result.Outcome == SmsOutcome.Transient ? $"已尝试{m.Attempts}次仍未成功：{result.Error}" : result.Error, gw = gateway.Name }, ct);
                    failed++;
                    break;
            }
        }
        Declaration.BuildingBlocks.Observability.DeclarationTelemetry.SmsDispatched(sent, retrying, failed);
        return new SmsDispatchSummary(batch.Count, sent, retrying, failed);
    }
}

/// <summary>The background sender of every host: announces notices whose time has come, then delivers due messages.</summary>
internal sealed class SmsSenderService(IServiceScopeFactory scopes, IOptions<SmsOptions> options, ILogger<SmsSenderService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.SenderEnabled) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using (var scope = scopes.CreateSystemScope())
                {
                    var db = scope.ServiceProvider.GetRequiredService<IDbSession>();
                    await db.BeginAsync(stoppingToken);
                    await scope.ServiceProvider.GetRequiredService<NoticeAnnouncer>().AnnounceDueAsync(null, stoppingToken);
                    await db.CommitAsync(stoppingToken);
                }
                SmsDispatchSummary summary;
                do
                {
                    await using var scope = scopes.CreateSystemScope();
                    summary = await scope.ServiceProvider.GetRequiredService<SmsDispatcher>().DispatchOnceAsync(stoppingToken);
                } while (summary.Claimed > 0 && !stoppingToken.IsCancellationRequested);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "SMS sender pass failed; retrying");
            }
            try { await Task.Delay(options.Value.PollInterval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
