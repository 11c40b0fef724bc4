using Azure.Data.Tables;

namespace PxFunctions.Runtime;

/// <summary>
/// An effect committed with its transition and not yet handed on: a send for the effect queue, or a timer
/// message for the instance queue. Rows live in the instance's partition until handed on.
/// </summary>
public sealed record OutboxRow(string InstanceId, string RowKey, string Kind, string? EffectId, string? Channel, string? Payload, string? TimerName, string? TimerId, DateTimeOffset? Due)
{
    public const string SendKind = "send";
    public const string TimerKind = "timer";

    public TableEntity ToEntity() => new(InstanceId, RowKey)
    {
        ["Kind"] = Kind,
        ["EffectId"] = EffectId,
        ["Channel"] = Channel,
        ["Payload"] = Payload,
        ["TimerName"] = TimerName,
        ["TimerId"] = TimerId,
        ["Due"] = Due,
    };

    public static OutboxRow FromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.RowKey,
        e.GetString("Kind") ?? SendKind,
        e.GetString("EffectId"),
        e.GetString("Channel"),
        e.GetString("Payload"),
        e.GetString("TimerName"),
        e.GetString("TimerId"),
        e.GetDateTimeOffset("Due"));
}
