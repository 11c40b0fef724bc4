using System.Globalization;
using Azure;
using Azure.Data.Tables;
using PxFunctions.Channels.Dispatch;

namespace PxFunctions.Channels.Chat;

/// <summary>Who wrote a chat line: the journey (its messages and automatic answers), a person of the brand, or the customer.</summary>
public static class ChatAuthor
{
    public const string Journey = "journey";
    public const string Agent = "agent";
    public const string Customer = "customer";
}

/// <summary>One line of a customer's chat. <see cref="Id"/> is the message's effect id (or the customer's message id), so a line is written once.</summary>
public sealed record ChatLine(string Id, string Author, string Text, DateTimeOffset At, string? InstanceId, string? JourneyId);

/// <summary>
/// The web chat's transcript (table <c>ChatMessages</c>): partition = the customer (<c>c:{id}</c>), one row per line
/// keyed by its id, so a send retried after a crash, or a customer's message posted twice, is one line. Lines are
/// read in time order; <c>Seq</c> (the write time in ticks) orders lines written in the same instant. Customer ids,
/// not addresses, name the partition: the chat's address is the customer.
/// </summary>
public sealed class ChatTranscript(TableClient table)
{
    public const string TableName = "ChatMessages";

    public static string PartitionOf(string customerId) => "c:" + TableKeys.Safe(customerId);

    /// <summary>Adds a line; false when it was there already (the same message again).</summary>
    public async Task<bool> AppendAsync(string customerId, ChatLine line, CancellationToken cancellationToken)
    {
        try
        {
            await table.AddEntityAsync(
                new TableEntity(PartitionOf(customerId), "m:" + TableKeys.Safe(line.Id))
                {
                    ["Id"] = line.Id,
                    ["Author"] = line.Author,
                    ["Text"] = line.Text,
                    ["At"] = line.At,
                    ["Seq"] = line.At.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + ":" + line.Id,
                    ["InstanceId"] = line.InstanceId,
                    ["JourneyId"] = line.JourneyId,
                },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>The customer's lines after <paramref name="after"/> (a line's <c>Seq</c> cursor; null for all), oldest first, at most <paramref name="top"/>.</summary>
    public async Task<List<(string Seq, ChatLine Line)>> ListAsync(string customerId, string? after, int top, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(customerId);
        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partition} and Seq gt {after}");
        var lines = new List<(string, ChatLine)>();
        await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            lines.Add((e.GetString("Seq") ?? "", new ChatLine(
                e.GetString("Id") ?? e.RowKey,
                e.GetString("Author") ?? ChatAuthor.Journey,
                e.GetString("Text") ?? "",
                e.GetDateTimeOffset("At") ?? default,
                e.GetString("InstanceId"),
                e.GetString("JourneyId"))));
        }

        return lines.OrderBy(l => l.Item1, StringComparer.Ordinal).Take(top).ToList();
    }

    /// <summary>Erasure: the customer's whole transcript.</summary>
    public async Task ForgetAsync(string customerId, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(customerId);
        await foreach (var e in table.QueryAsync<TableEntity>(r => r.PartitionKey == partition, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All, cancellationToken);
        }
    }
}
