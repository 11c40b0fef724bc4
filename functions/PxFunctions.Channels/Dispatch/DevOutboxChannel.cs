using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace PxFunctions.Channels.Dispatch;

/// <summary>A message the dev outbox holds instead of sending it.</summary>
public sealed record DevOutboxMessage(string Id, string Channel, string To, string? Subject, string Text, DateTimeOffset At);

/// <summary>
/// The channel when ACS is not configured: messages land in a table (listed by <c>GET /api/dev/outbox</c>) and on the
/// console with the recipient redacted, so a local run shows exactly what a customer would get. Idempotent by key.
/// </summary>
public sealed class DevOutboxChannel(TableClient table, TimeProvider time, ILogger<DevOutboxChannel> logger) : IMessageChannel
{
    public const string TableName = "DevOutbox";
    private const string Partition = "outbox";

    public string Name => "dev-outbox";

    public bool SendsWhatsApp => true;

    public Task<ChannelResult> SendSmsAsync(OutgoingSms sms, CancellationToken cancellationToken) =>
        StoreAsync("sms", sms.To, null, sms.Text, sms.IdempotencyKey, cancellationToken);

    public Task<ChannelResult> SendEmailAsync(OutgoingEmail email, CancellationToken cancellationToken) =>
        StoreAsync("email", email.To, email.Subject, email.Text, email.IdempotencyKey, cancellationToken);

    /// <summary>A template is shown as its name, language and parameters: what WhatsApp would fill in.</summary>
    public Task<ChannelResult> SendWhatsAppAsync(OutgoingWhatsApp message, CancellationToken cancellationToken) =>
        StoreAsync(
            "whatsapp",
            message.To,
            message.Template is { } t ? $"template {t.Name} ({t.Language})" : null,
            message.Text ?? string.Join(" | ", message.Template?.Parameters ?? []),
            message.IdempotencyKey,
            cancellationToken);

    public async Task<List<DevOutboxMessage>> ListAsync(int top, CancellationToken cancellationToken)
    {
        var messages = new List<DevOutboxMessage>();
        await foreach (var e in table.QueryAsync<TableEntity>(m => m.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            messages.Add(new DevOutboxMessage(e.RowKey, e.GetString("Channel")!, e.GetString("To")!, e.GetString("Subject"), e.GetString("Text") ?? "", e.GetDateTimeOffset("At") ?? default));
        }

        return messages.OrderByDescending(m => m.At).Take(top).ToList();
    }

    /// <summary>Erasure: deletes what the outbox holds for these addresses.</summary>
    public async Task ForgetAsync(IReadOnlyCollection<string> addresses, CancellationToken cancellationToken)
    {
        await foreach (var e in table.QueryAsync<TableEntity>(m => m.PartitionKey == Partition, select: ["PartitionKey", "RowKey", "To"], cancellationToken: cancellationToken))
        {
            if (e.GetString("To") is { } to && addresses.Contains(to, StringComparer.OrdinalIgnoreCase))
            {
                await table.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All, cancellationToken);
            }
        }
    }

    private async Task<ChannelResult> StoreAsync(string channel, string to, string? subject, string text, Guid key, CancellationToken cancellationToken)
    {
        var id = "dev-" + key.ToString("N");
        try
        {
            await table.AddEntityAsync(
                new TableEntity(Partition, id) { ["Channel"] = channel, ["To"] = to, ["Subject"] = subject, ["Text"] = text, ["At"] = time.GetUtcNow() },
                cancellationToken);
            logger.LogInformation("[dev outbox] {Channel} to {To}: {Subject}{Text}", channel, Redact.Address(to), subject is null ? "" : $"[{subject}] ", text);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Held already: the same message, retried.
        }

        return ChannelResult.Sent(id);
    }
}
