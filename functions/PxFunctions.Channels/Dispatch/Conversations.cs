using Azure.Data.Tables;
using PxFunctions.Channels.Compliance;

namespace PxFunctions.Channels.Dispatch;

/// <summary>Which journey instance last wrote to an address, and whether it waits for an answer.</summary>
public sealed record Conversation(string Address, string InstanceId, string? CustomerId, string? JourneyId, string? Step, bool AwaitingReply, DateTimeOffset LastSentAt);

/// <summary>
/// Conversations (table <c>Conversations</c>): partition = the address we wrote to, row = the instance that wrote.
/// A reply from that address can only reach an instance that wrote to it: never another customer's journey.
/// </summary>
public sealed class Conversations(TableClient table)
{
    public const string TableName = "Conversations";

    public Task RecordAsync(ContactChannel channel, Conversation conversation, CancellationToken cancellationToken) =>
        table.UpsertEntityAsync(
            new TableEntity(ConsentLedger.PartitionOf(channel, conversation.Address), conversation.InstanceId)
            {
                ["CustomerId"] = conversation.CustomerId,
                ["JourneyId"] = conversation.JourneyId,
                ["Step"] = conversation.Step,
                ["AwaitingReply"] = conversation.AwaitingReply,
                ["LastSentAt"] = conversation.LastSentAt,
            },
            TableUpdateMode.Replace,
            cancellationToken);

    /// <summary>Instances that wrote to the address: those awaiting an answer first, then the most recent.</summary>
    public async Task<List<Conversation>> ForAsync(ContactChannel channel, string address, CancellationToken cancellationToken)
    {
        var list = new List<Conversation>();
        var partition = ConsentLedger.PartitionOf(channel, address);
        await foreach (var e in table.QueryAsync<TableEntity>(c => c.PartitionKey == partition, cancellationToken: cancellationToken))
        {
            list.Add(new Conversation(address, e.RowKey, e.GetString("CustomerId"), e.GetString("JourneyId"), e.GetString("Step"), e.GetBoolean("AwaitingReply") ?? false, e.GetDateTimeOffset("LastSentAt") ?? default));
        }

        return list.OrderByDescending(c => c.AwaitingReply).ThenByDescending(c => c.LastSentAt).ToList();
    }
}
