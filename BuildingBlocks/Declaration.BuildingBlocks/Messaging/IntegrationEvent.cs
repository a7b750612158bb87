namespace Declaration.BuildingBlocks.Messaging;

/// <summary>
/// Base of every integration event. The id is the message id: consumers de-duplicate on it. Time-ordered (UUID version 7): the
/// outbox and inbox keys grow at their right edge instead of touching a random page of a large index for every event.
/// </summary>
public abstract record IntegrationEvent
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public DateTimeOffset OccurredAt { get; init; }
}

/// <summary>A module's reaction to another module's event. Runs once per event per handler (inbox).</summary>
public interface IIntegrationEventHandler<in TEvent> where TEvent : IntegrationEvent
{
    Task HandleAsync(TEvent @event, CancellationToken ct);
}
