using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace PxFunctions.Intake.Storefronts;

/// <summary>A webhook accepted for processing: where its body is and what it is.</summary>
public sealed record IntakeMessage(
    [property: JsonPropertyName("s")] string Source,
    [property: JsonPropertyName("shop")] string Shop,
    [property: JsonPropertyName("t")] string Topic,
    [property: JsonPropertyName("k")] string Key,
    [property: JsonPropertyName("at")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("tr")] DateTimeOffset? TriggeredAt)
{
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Parses a queue message; a malformed one is a <see cref="FormatException"/> (poisoned at once, not retried).</summary>
    public static IntakeMessage Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<IntakeMessage>(json) is { Source.Length: > 0, Key.Length: > 0 } message
                ? message
                : throw new FormatException("An intake message needs a source and a key.");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Not an intake message: {ex.Message}", ex);
        }
    }
}

public enum AcceptOutcome
{
    Accepted,
    Duplicate,
}

/// <summary>
/// The accept path of storefront webhooks, kept short so Shopify's five seconds are never at risk: record the
/// delivery (deduplicated by topic and event id), keep the raw body in a blob, queue a small message, answer. The
/// record is written first as "accepting" and marked "queued" last, so a delivery that stopped half-way is finished
/// by the storefront's retry instead of being mistaken for a duplicate; processing is idempotent, so finishing twice
/// is harmless. Rejected deliveries are kept for an admin with their reason.
/// </summary>
public sealed class WebhookInbox(TableClient deliveries, TableClient rejected, BlobContainerClient bodies, QueueClient queue)
{
    public const string DeliveriesTable = "Webhooks";
    public const string RejectedTable = "RejectedWebhooks";
    public const string Container = "webhooks";
    public const string Queue = "intake";

    /// <summary>Rows of rejected deliveries keep this much of the body, for inspection.</summary>
    private const int MaxKeptBody = 30_000;

    public async Task<AcceptOutcome> AcceptAsync(IntakeMessage message, string? eventId, string? deliveryId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(message.Source, message.Shop);
        var row = new TableEntity(partition, message.Key)
        {
            ["Topic"] = message.Topic,
            ["EventId"] = eventId,
            ["DeliveryId"] = deliveryId,
            ["TriggeredAt"] = message.TriggeredAt,
            ["ReceivedAt"] = message.ReceivedAt,
            ["Status"] = "accepting",
        };
        try
        {
            await deliveries.AddEntityAsync(row, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var earlier = await deliveries.GetEntityAsync<TableEntity>(partition, message.Key, cancellationToken: cancellationToken);
            if (earlier.Value.GetString("Status") != "accepting")
            {
                return AcceptOutcome.Duplicate;
            }
        }

        await bodies.GetBlobClient(BlobName(message)).UploadAsync(BinaryData.FromBytes(body), overwrite: true, cancellationToken);
        await queue.SendMessageAsync(message.ToJson(), cancellationToken: cancellationToken);
        await deliveries.UpsertEntityAsync(new TableEntity(partition, message.Key) { ["Status"] = "queued" }, TableUpdateMode.Merge, cancellationToken);
        return AcceptOutcome.Accepted;
    }

    /// <summary>The stored body; null when it is gone (erased with its customer after it was processed).</summary>
    public async Task<BinaryData?> BodyAsync(IntakeMessage message, CancellationToken cancellationToken)
    {
        try
        {
            return (await bodies.GetBlobClient(BlobName(message)).DownloadContentAsync(cancellationToken)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>A stored body by its blob name (<see cref="BlobName"/>), null when it is gone.</summary>
    public async Task<string?> BodyAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            return (await bodies.GetBlobClient(blobName).DownloadContentAsync(cancellationToken)).Value.Content.ToString();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Erasure: deletes a stored body (the delivery's row, which holds no personal data, stays for deduplication).</summary>
    public Task ForgetBodyAsync(string blobName, CancellationToken cancellationToken) =>
        bodies.GetBlobClient(blobName).DeleteIfExistsAsync(cancellationToken: cancellationToken);

    /// <summary>
    /// Rejected deliveries whose kept body mentions one of <paramref name="needles"/> (an email, a number in the forms
    /// a storefront writes it): a rejected delivery was never tied to a customer, so erasure and export search them.
    /// </summary>
    public async Task<List<(string PartitionKey, string RowKey, string? Topic, DateTimeOffset? ReceivedAt, string Body)>> RejectedMentioningAsync(IReadOnlyCollection<string> needles, CancellationToken cancellationToken)
    {
        var found = new List<(string, string, string?, DateTimeOffset?, string)>();
        await foreach (var e in rejected.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "Topic", "ReceivedAt", "Body"], cancellationToken: cancellationToken))
        {
            var body = e.GetString("Body") ?? "";
            var digits = new string(body.Where(char.IsAsciiDigit).ToArray());
            if (needles.Any(n => body.Contains(n, StringComparison.OrdinalIgnoreCase) || (n.All(char.IsAsciiDigit) && n.Length >= 7 && digits.Contains(n, StringComparison.Ordinal))))
            {
                found.Add((e.PartitionKey, e.RowKey, e.GetString("Topic"), e.GetDateTimeOffset("ReceivedAt"), body));
            }
        }

        return found;
    }

    public async Task ForgetRejectedAsync(string partitionKey, string rowKey, CancellationToken cancellationToken) =>
        await rejected.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken);

    public Task MarkProcessedAsync(IntakeMessage message, string outcome, CancellationToken cancellationToken) =>
        deliveries.UpsertEntityAsync(new TableEntity(PartitionOf(message.Source, message.Shop), message.Key) { ["Status"] = "processed", ["Outcome"] = outcome }, TableUpdateMode.Merge, cancellationToken);

    /// <summary>Keeps a delivery that was refused (bad JSON, a missing field) with the reason, for an admin.</summary>
    public async Task RejectAsync(string source, string? shop, string? topic, string field, string reason, ReadOnlyMemory<byte> body, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var text = Encoding.UTF8.GetString(body.Span);
        await rejected.AddEntityAsync(
            new TableEntity(source, (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8])
            {
                ["Shop"] = shop,
                ["Topic"] = topic,
                ["Field"] = field,
                ["Reason"] = reason,
                ["Body"] = text.Length > MaxKeptBody ? text[..MaxKeptBody] : text,
                ["ReceivedAt"] = at,
            },
            cancellationToken);
    }

    /// <summary>Rejected deliveries, newest first.</summary>
    public async Task<List<Dictionary<string, object?>>> RejectedAsync(int top, CancellationToken cancellationToken)
    {
        var list = new List<Dictionary<string, object?>>();
        await foreach (var e in rejected.QueryAsync<TableEntity>(maxPerPage: top, cancellationToken: cancellationToken))
        {
            list.Add(new Dictionary<string, object?>
            {
                ["source"] = e.PartitionKey,
                ["shop"] = e.GetString("Shop"),
                ["topic"] = e.GetString("Topic"),
                ["field"] = e.GetString("Field"),
                ["reason"] = e.GetString("Reason"),
                ["receivedAt"] = e.GetDateTimeOffset("ReceivedAt"),
                ["body"] = e.GetString("Body"),
            });
            if (list.Count >= top)
            {
                break;
            }
        }

        return list.OrderByDescending(r => (DateTimeOffset?)r["receivedAt"]).ToList();
    }

    /// <summary>The dedupe key of a delivery: its topic and the storefront's event id.</summary>
    public static string KeyOf(string topic, string eventId) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(topic + "\n" + eventId)))[..40];

    private static string PartitionOf(string source, string shop) => source + "|" + Safe(shop);

    public static string BlobName(IntakeMessage message) => $"{message.Source}/{Safe(message.Shop)}/{message.Key}.json";

    private static string Safe(string text) => new(text.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
}
