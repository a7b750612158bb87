namespace Declaration.BuildingBlocks.Messaging;

/// <summary>Base of every integration event. The id is the message id: consumers de-duplicate on it.</summary>
public abstract record IntegrationEvent
{
    public Guid Id { get; init; } = Guid.NewGuid();
    public DateTimeOffset OccurredAt { get; init; }
}

/// <summary>A module's reaction to another module's event. Runs once per event per handler (inbox).</summary>
public interface IIntegrationEventHandler<in TEvent> where TEvent : IntegrationEvent
{
    Task HandleAsync(TEvent @event, CancellationToken ct);
}
