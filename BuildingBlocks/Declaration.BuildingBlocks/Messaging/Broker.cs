using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Declaration.BuildingBlocks.Messaging;

/// <summary>
/// With RabbitMQ: each outbox row is published (persistent, with publisher confirms: <c>Publish</c> returns once the broker
/// has the message) before the relay marks it sent in its transaction. A relay killed after the confirm publishes the row
/// again; the receiving inbox absorbs the duplicate.
/// </summary>
internal sealed class BrokerTransport(IBus bus, EventTypeMap types) : IEventTransport
{
    public bool Carries(string type) => true;

    public async Task HandOnAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string schema, IReadOnlyList<OutboxRow> rows, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var row in rows)
        {
            var message = types.Deserialize(row.Type, row.Payload);
            await bus.Publish(message, message.GetType(), context => context.MessageId = row.Id, ct);
        }
    }
}

/// <summary>
/// A handler's RabbitMQ queue consumer: it only stores the message as a pending row of the handler's module inbox (idempotent
/// on the message id) and acknowledges; the <see cref="InboxProcessor"/> runs the handler, with its retries and parking, as in
/// the embedded mode. A failure to store (PostgreSQL down) is retried by MassTransit and the message stays in the queue.
/// </summary>
public sealed class InboxReceiver<TEvent, THandler>(NpgsqlDataSource dataSource, EventTypeMap types, SubscriptionMap subscriptions,
    DeliverySignal signal, TimeProvider clock) : IConsumer<TEvent>
    where TEvent : IntegrationEvent where THandler : IIntegrationEventHandler<TEvent>
{
    public async Task Consume(ConsumeContext<TEvent> context)
    {
        var subscription = subscriptions.All.First(s => s.HandlerType == typeof(THandler));
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(context.CancellationToken);
        await connection.ExecuteAsync(new CommandDefinition($"""
            INSERT INTO {subscription.Schema}.inbox (message_id, consumer, type, payload, received_at, next_attempt_at)
            VALUES (@id, @consumer, @type, @payload::jsonb, @now, @now)
            ON CONFLICT (message_id, consumer) DO NOTHING
            """, new
        {
            id = context.Message.Id, consumer = subscription.Consumer, type = types.NameOf(typeof(TEvent)),
            payload = types.Serialize(context.Message), now,
        }, cancellationToken: context.CancellationToken));
        signal.Pulse();
    }
}

public static class BrokerRegistration
{
    /// <summary>Hands outbox rows to the message broker (MassTransit, RabbitMQ) instead of the database fan-out.</summary>
    public static IServiceCollection UseBrokerTransport(this IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton<IEventTransport, BrokerTransport>());
}
