using Microsoft.Extensions.DependencyInjection;

namespace Declaration.BuildingBlocks.Messaging;

/// <summary>One registered (event, handler, schema of the handler's module). Its inbox rows carry <see cref="Consumer"/>.</summary>
public sealed class IntegrationEventSubscription(Type eventType, Type handlerType, string schema)
{
    public Type EventType { get; } = eventType;
    public Type HandlerType { get; } = handlerType;
    public string Schema { get; } = schema;

    public string Consumer => HandlerType.FullName!;

    /// <summary>The RabbitMQ queue of this handler (competing consumers across hosts).</summary>
    public string QueueName => $"{Schema}.{HandlerType.Name}";

    public Type ReceiverType => typeof(InboxReceiver<,>).MakeGenericType(EventType, HandlerType);

    private Func<IServiceProvider, IntegrationEvent, CancellationToken, Task>? _invoke;

    /// <summary>Runs the handler on a deserialized event, in the caller's scope (and transaction).</summary>
    internal Task InvokeAsync(IServiceProvider scoped, IntegrationEvent @event, CancellationToken ct) =>
        (_invoke ??= typeof(IntegrationEventSubscription).GetMethod(nameof(Invoke), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(EventType, HandlerType).CreateDelegate<Func<IServiceProvider, IntegrationEvent, CancellationToken, Task>>())(scoped, @event, ct);

    private static Task Invoke<TEvent, THandler>(IServiceProvider scoped, IntegrationEvent @event, CancellationToken ct)
        where TEvent : IntegrationEvent where THandler : IIntegrationEventHandler<TEvent> =>
        scoped.GetRequiredService<THandler>().HandleAsync((TEvent)@event, ct);
}

/// <summary>Every subscription of the composed modules, by event type name and by (schema, consumer).</summary>
public sealed class SubscriptionMap
{
    private readonly Dictionary<(string Schema, string Consumer), IntegrationEventSubscription> _byConsumer = [];

    public SubscriptionMap(IEnumerable<IntegrationEventSubscription> subscriptions, EventTypeMap types)
    {
        All = subscriptions.ToList();
        foreach (var s in All) _byConsumer[(s.Schema, s.Consumer)] = s;
        ByEventType = All.GroupBy(s => types.NameOf(s.EventType)).ToDictionary(g => g.Key, g => (IReadOnlyList<IntegrationEventSubscription>)g.ToList(), StringComparer.Ordinal);
        ConsumerSchemas = All.Select(s => s.Schema).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    public IReadOnlyList<IntegrationEventSubscription> All { get; }
    public IReadOnlyDictionary<string, IReadOnlyList<IntegrationEventSubscription>> ByEventType { get; }
    public IReadOnlyList<string> ConsumerSchemas { get; }

    public IntegrationEventSubscription? Find(string schema, string consumer) => _byConsumer.GetValueOrDefault((schema, consumer));
}

public static class IntegrationEventRegistration
{
    public static IServiceCollection AddIntegrationEventHandler<TEvent, THandler>(this IServiceCollection services, string schema)
        where TEvent : IntegrationEvent where THandler : class, IIntegrationEventHandler<TEvent>
    {
        services.AddScoped<THandler>();
        services.AddSingleton(new IntegrationEventSubscription(typeof(TEvent), typeof(THandler), schema));
        return services;
    }
}
