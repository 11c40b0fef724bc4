using Azure.Data.Tables;
using PxFunctions.Channels.Compliance;

namespace PxFunctions.Channels.Dispatch;

/// <summary>Which journey instance last wrote to an address, and whether it waits for an answer.</summary>
public sealed record Conversation(string Address, string InstanceId, string? CustomerId, string? JourneyId, string? Step, bool AwaitingReply, DateTimeOffset LastSentAt);

/// <summary>
/// Conversations (table <c>Conversations</c>): partition = the address we wrote to, row = the instance that wrote.
/// A reply from that address can only reach an instance that wrote to it: never another customer's journey. The
/// address is kept as its keyed hash, as in the consent ledger.
/// </summary>
public sealed class Conversations(TableClient table, AddressHasher hasher)
{
    public const string TableName = "Conversations";

    public async Task RecordAsync(ContactChannel channel, Conversation conversation, CancellationToken cancellationToken) =>
        await table.UpsertEntityAsync(
            new TableEntity(await PartitionAsync(channel, conversation.Address, cancellationToken), conversation.InstanceId)
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
        // Conversations recorded before addresses were hashed still route their replies.
        foreach (var partition in await PartitionsAsync(channel, address, cancellationToken))
        {
            await foreach (var e in table.QueryAsync<TableEntity>(c => c.PartitionKey == partition, cancellationToken: cancellationToken))
            {
                list.Add(new Conversation(address, e.RowKey, e.GetString("CustomerId"), e.GetString("JourneyId"), e.GetString("Step"), e.GetBoolean("AwaitingReply") ?? false, e.GetDateTimeOffset("LastSentAt") ?? default));
            }
        }

        return list.DistinctBy(c => c.InstanceId).OrderByDescending(c => c.AwaitingReply).ThenByDescending(c => c.LastSentAt).ToList();
    }

    /// <summary>Erasure: forgets which journeys wrote to the address.</summary>
    public async Task ForgetAsync(ContactChannel channel, string address, CancellationToken cancellationToken)
    {
        foreach (var partition in await PartitionsAsync(channel, address, cancellationToken))
        {
            await foreach (var row in table.QueryAsync<TableEntity>(c => c.PartitionKey == partition, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, Azure.ETag.All, cancellationToken);
            }
        }
    }

    private async Task<string[]> PartitionsAsync(ContactChannel channel, string address, CancellationToken cancellationToken) =>
        [await PartitionAsync(channel, address, cancellationToken), channel.Prefix() + address.Trim().ToLowerInvariant()];

    private async Task<string> PartitionAsync(ContactChannel channel, string address, CancellationToken cancellationToken) =>
        channel.Prefix() + await hasher.HashAsync(address, cancellationToken);
}
