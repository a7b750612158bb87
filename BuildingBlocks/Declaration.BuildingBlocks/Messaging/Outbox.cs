using System.Text.Json;
using Declaration.BuildingBlocks.Data;

namespace Declaration.BuildingBlocks.Messaging;

/// <summary>Writes integration events into the publishing module's outbox, inside the current transaction.</summary>
public interface IOutbox
{
    /// <summary>Writes the event, unless it would go nowhere (<see cref="Carries"/>).</summary>
    Task AddAsync(IntegrationEvent @event, CancellationToken ct);

    /// <summary>
    /// Whether events of <paramref name="eventType"/> go anywhere in this deployment: with the database fan-out, whether a composed
    /// module handles them (an event nobody handles would be written, claimed and marked sent for nothing); with a broker, always.
    /// A set-based writer of its own outbox rows asks before writing them.
    /// </summary>
    bool Carries(Type eventType);
}

internal sealed class Outbox(IDbSession db, EventTypeMap types, IEventTransport transport, DeliverySignal signal, TimeProvider clock) : IOutbox
{
    public bool Carries(Type eventType) => transport.Carries(types.NameOf(eventType));

    public async Task AddAsync(IntegrationEvent @event, CancellationToken ct)
    {
        if (db.Transaction is null) throw new InvalidOperationException("Integration events must be written inside a transaction (send a command).");
        var schema = types.SchemaOf(@event.GetType());
        if (!Carries(@event.GetType())) return;
        var stamped = @event.OccurredAt == default ? @event with { OccurredAt = clock.GetUtcNow() } : @event;
        // Nothing reads the row back: it travels with the session's next round trip (the commit at the latest).
        await db.DeferAsync(BatchCommands.Create($"INSERT INTO {schema}.outbox (id, type, payload, occurred_at) VALUES (@Id, @Type, @Payload::jsonb, @OccurredAt)",
            new { stamped.Id, Type = types.NameOf(stamped.GetType()), Payload = types.Serialize(stamped), stamped.OccurredAt }), ct);
        db.AfterCommit(signal.Pulse);
    }
}

/// <summary>Every integration event type of the registered modules, and the schema whose outbox carries it.</summary>
public sealed class EventTypeMap
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, Type> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, string> _schemaByType = [];

    public EventTypeMap(IEnumerable<ModuleDescriptor> modules)
    {
        foreach (var module in modules)
            foreach (var type in module.ContractsAssembly.GetTypes().Where(t => !t.IsAbstract && typeof(IntegrationEvent).IsAssignableFrom(t)))
            {
                _byName[NameOf(type)] = type;
                _schemaByType[type] = module.Schema;
            }
    }

    public IEnumerable<Type> EventTypes => _byName.Values;
    public string NameOf(Type type) => type.FullName!;
    public Type? Resolve(string name) => _byName.GetValueOrDefault(name);
    public string SchemaOf(Type type) => _schemaByType.TryGetValue(type, out var s)
        ? s : throw new InvalidOperationException($"{type.Name} is not an event of a registered module's contracts.");

    public IntegrationEvent Deserialize(string type, string payload) =>
        (IntegrationEvent)JsonSerializer.Deserialize(payload, Resolve(type) ?? throw new InvalidOperationException($"Unknown event type {type}"), Json)!;

    public string Serialize(IntegrationEvent @event) => JsonSerializer.Serialize(@event, @event.GetType(), Json);
}

/// <summary>Wakes this process's relay and inbox processor when a transaction committed events (instead of waiting for the next poll).</summary>
public sealed class DeliverySignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Pulse()
    {
        if (_signal.CurrentCount == 0)
        {
            try { _signal.Release(); }
            catch (SemaphoreFullException) { }
        }
    }

    /// <summary>Waits for a pulse or the timeout, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        try { await _signal.WaitAsync(timeout, ct); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }
}
