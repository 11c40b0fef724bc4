using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace PxFunctions.Runtime;

/// <summary>A pending timer: its id (changes on every restart, so superseded messages never fire) and due time.</summary>
public sealed record TimerEntry(string Id, DateTimeOffset Due);

/// <summary>
/// The instance's state row (PartitionKey = instance id, RowKey = <c>s:{instance id}</c>). Everything the runtime needs to apply
/// the next event is here, so one point read loads an instance.
/// </summary>
public sealed record InstanceRecord
{
    /// <summary>Prefix of state rows; sorts after buffered, marker, late and outbox rows.</summary>
    public const string RowKeyPrefix = "s:";

    /// <summary>
    /// The state row's key: unique per instance (not a shared constant) because Azurite finds entities by row key
    /// first, and a row key shared by every instance made each state read scan all instances.
    /// </summary>
    public static string RowKeyFor(string instanceId) => RowKeyPrefix + instanceId;

    /// <summary>How many recent event ids the row keeps to spot redeliveries without another read.</summary>
    public const int RecentEventCapacity = 32;

    public required string InstanceId { get; init; }
    public required string Name { get; init; }
    public RuntimeStatus Status { get; init; }
    public string? Input { get; init; }
    public string? State { get; init; }
    public string? CustomStatus { get; init; }
    public string? Output { get; init; }
    public DateTimeOffset CreatedTime { get; init; }
    public DateTimeOffset LastUpdatedTime { get; init; }

    /// <summary>Incremented by every committed transition; effect ids derive from it.</summary>
    public long Version { get; init; }

    public IReadOnlyDictionary<string, TimerEntry> Timers { get; init; } = new Dictionary<string, TimerEntry>();
    public IReadOnlyList<string> RecentEvents { get; init; } = [];
    public ETag ETag { get; init; }

    public TableEntity ToEntity()
    {
        var entity = new TableEntity(InstanceId, RowKeyFor(InstanceId))
        {
            ["Name"] = Name,
            ["Status"] = Status.ToString(),
            ["Input"] = Input,
            ["State"] = State,
            ["CustomStatus"] = CustomStatus,
            ["Output"] = Output,
            ["CreatedTime"] = CreatedTime,
            ["LastUpdatedTime"] = LastUpdatedTime,
            ["Version"] = Version,
            ["Timers"] = JsonSerializer.Serialize(Timers),
            ["RecentEvents"] = JsonSerializer.Serialize(RecentEvents),
        };
        entity.ETag = ETag;
        return entity;
    }

    public static InstanceRecord FromEntity(TableEntity entity) => new()
    {
        InstanceId = entity.PartitionKey,
        Name = entity.GetString("Name") ?? "",
        Status = Enum.TryParse<RuntimeStatus>(entity.GetString("Status"), out var status) ? status : RuntimeStatus.Pending,
        Input = entity.GetString("Input"),
        State = entity.GetString("State"),
        CustomStatus = entity.GetString("CustomStatus"),
        Output = entity.GetString("Output"),
        CreatedTime = entity.GetDateTimeOffset("CreatedTime") ?? default,
        LastUpdatedTime = entity.GetDateTimeOffset("LastUpdatedTime") ?? default,
        Version = entity.GetInt64("Version") ?? 0,
        Timers = entity.GetString("Timers") is { } timers
            ? JsonSerializer.Deserialize<Dictionary<string, TimerEntry>>(timers) ?? []
            : new Dictionary<string, TimerEntry>(),
        RecentEvents = entity.GetString("RecentEvents") is { } recent ? JsonSerializer.Deserialize<List<string>>(recent) ?? [] : [],
        ETag = entity.ETag,
    };

    public InstanceStatus ToStatus() =>
        new(Name, InstanceId, Status, Input, CustomStatus, Output, CreatedTime, LastUpdatedTime);
}

/// <summary>An instance as clients see it: the fields of the Durable Functions status payload.</summary>
public sealed record InstanceStatus(
    string Name,
    string InstanceId,
    RuntimeStatus RuntimeStatus,
    string? Input,
    string? CustomStatus,
    string? Output,
    DateTimeOffset CreatedTime,
    DateTimeOffset LastUpdatedTime);
