using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.BuildingBlocks.Messaging;

/// <summary>One registered (event, handler, schema of the handler's module).</summary>
public sealed record IntegrationEventSubscription(Type EventType, Type HandlerType, string Schema)
{
    public Type ConsumerType => typeof(InboxConsumer<,>).MakeGenericType(EventType, HandlerType);
}

/// <summary>
/// Delivers an event to one module handler exactly once: the inbox row (message id, consumer) and the handler's
/// changes commit in one transaction; a redelivered message finds the row and does nothing.
/// </summary>
public sealed class InboxConsumer<TEvent, THandler>(IDbSession db, IServiceProvider services, IEnumerable<IntegrationEventSubscription> subscriptions)
    : IConsumer<TEvent> where TEvent : IntegrationEvent where THandler : IIntegrationEventHandler<TEvent>
{
    public async Task Consume(ConsumeContext<TEvent> context)
    {
        var schema = subscriptions.First(s => s.HandlerType == typeof(THandler)).Schema;
        var ct = context.CancellationToken;
        // Handlers of integration events act for the system (fail closed: the scope's caller is never left unset).
        services.GetRequiredService<CurrentUserHolder>().User = new SystemUser();
        await db.BeginAsync(ct);
        try
        {
            var inserted = await db.ExecuteAsync(
                $"INSERT INTO {schema}.inbox (message_id, consumer) VALUES (@id, @consumer) ON CONFLICT DO NOTHING",
                new { id = context.Message.Id, consumer = typeof(THandler).FullName }, ct);
            if (inserted == 1)
                await services.GetRequiredService<THandler>().HandleAsync(context.Message, ct);
            await db.CommitAsync(ct);
        }
        catch
        {
            await db.RollbackAsync(CancellationToken.None);
            throw;
        }
    }
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
