using Azure;
using Azure.Data.Tables;
using PxFunctions.Storage;

namespace PxFunctions.Triggers;

/// <summary>A queue message that failed every attempt, kept with the reason so an admin can inspect and replay it.</summary>
public sealed record PoisonMessage(
    string Function,
    string Queue,
    string MessageId,
    string Message,
    long DequeueCount,
    string Reason,
    DateTimeOffset FailedAt);

/// <summary>
/// Records poisoned messages in the <c>Poison</c> table (with the reason) and copies the message to the
/// <c>{queue}-poison</c> queue, the place the Functions host and Azure tooling look.
/// </summary>
/// <remarks>
/// Row key = message id, so recording the same message twice (a crash between the two writes and a redelivery)
/// upserts one row. The table row is written first: a crash after it leaves a row and a retried message, never a
/// silently lost one.
/// </remarks>
public sealed class PoisonMessageStore(StorageAccount storage)
{
    public const string TableName = "Poison";

    // A table property holds at most 64 KiB; keep the head of very large messages.
    private const int MaxStoredChars = 30_000;

    public async Task RecordAsync(PoisonMessage poison, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(poison.Queue, RowKeyFor(poison.MessageId))
        {
            ["Function"] = poison.Function,
            ["Queue"] = poison.Queue,
            ["MessageId"] = poison.MessageId,
            ["Message"] = poison.Message.Length > MaxStoredChars ? poison.Message[..MaxStoredChars] : poison.Message,
            ["MessageLength"] = poison.Message.Length,
            ["DequeueCount"] = poison.DequeueCount,
            ["Reason"] = poison.Reason.Length > 4000 ? poison.Reason[..4000] : poison.Reason,
            ["FailedAt"] = poison.FailedAt,
        };
        await storage.Table(TableName).UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        await storage.Queues.GetQueueClient(storage.Names.PoisonQueue(poison.Queue)).SendMessageAsync(poison.Message, cancellationToken);
    }

    public async Task<IReadOnlyList<PoisonMessage>> ListAsync(int max, CancellationToken cancellationToken)
    {
        var result = new List<PoisonMessage>();
        try
        {
            await foreach (var e in storage.Table(TableName).QueryAsync<TableEntity>(maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken))
            {
                result.Add(new PoisonMessage(
                    e.GetString("Function") ?? "",
                    e.GetString("Queue") ?? e.PartitionKey,
                    e.GetString("MessageId") ?? e.RowKey,
                    e.GetString("Message") ?? "",
                    e.GetInt64("DequeueCount") ?? 0,
                    e.GetString("Reason") ?? "",
                    e.GetDateTimeOffset("FailedAt") ?? e.Timestamp ?? DateTimeOffset.MinValue));
                if (result.Count >= max)
                {
                    break;
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet means nothing was ever poisoned.
        }

        return result;
    }

    // Row keys may not contain / \ # ? or control characters; queue message ids are GUIDs, but be safe.
    private static string RowKeyFor(string messageId) =>
        string.Concat(messageId.Select(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c) ? '_' : c));
}
