using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;

namespace PxFunctions.Channels.Inbound;

/// <summary>An event ACS delivered through Event Grid, reduced to what the app acts on.</summary>
public abstract record AcsEvent(string Id);

public sealed record SubscriptionValidation(string Id, string ValidationCode) : AcsEvent(Id);

public sealed record SmsReceived(string Id, string MessageId, string From, string To, string Message, DateTimeOffset ReceivedAt) : AcsEvent(Id);

public sealed record SmsDeliveryReport(string Id, string MessageId, string To, string Status, string? Details, string? Tag, DateTimeOffset At) : AcsEvent(Id);

public sealed record EmailDeliveryReport(string Id, string MessageId, string Recipient, string Status, string? Details, DateTimeOffset At) : AcsEvent(Id);

public sealed record EmailEngagement(string Id, string MessageId, string Recipient, string Engagement, string? Context, DateTimeOffset At) : AcsEvent(Id);

/// <summary>A customer's WhatsApp message (ACS Advanced Messaging); <see cref="From"/> as WhatsApp writes it (digits, no plus).</summary>
public sealed record WhatsAppReceived(string Id, string MessageId, string From, string To, string Text, DateTimeOffset ReceivedAt) : AcsEvent(Id);

/// <summary>What became of a WhatsApp message we sent: <c>sent</c>, <c>delivered</c>, <c>read</c> or <c>failed</c> (with WhatsApp's error).</summary>
public sealed record WhatsAppStatus(string Id, string MessageId, string To, string Status, string? Error, DateTimeOffset At) : AcsEvent(Id);

public sealed record OtherEvent(string Id, string Type) : AcsEvent(Id);

/// <summary>
/// Reads Event Grid deliveries, in the Event Grid schema (a JSON array) or as CloudEvents 1.0 (one event or a batch),
/// with Azure.Messaging.EventGrid's envelopes and system event types. ACS has sent event data both camelCase and
/// PascalCase while the SDK's readers are case-sensitive, so property names are normalised to camelCase first.
/// </summary>
public static class AcsEvents
{
    public const string SmsReceivedType = "Microsoft.Communication.SMSReceived";
    public const string SmsDeliveryReportType = "Microsoft.Communication.SMSDeliveryReportReceived";
    public const string EmailDeliveryReportType = "Microsoft.Communication.EmailDeliveryReportReceived";
    public const string EmailEngagementType = "Microsoft.Communication.EmailEngagementTrackingReportReceived";
    public const string ValidationType = "Microsoft.EventGrid.SubscriptionValidationEvent";
    public const string WhatsAppReceivedType = "Microsoft.Communication.AdvancedMessageReceived";
    public const string WhatsAppStatusType = "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated";

    /// <summary>Parses a delivery; throws <see cref="FormatException"/> when it is neither schema.</summary>
    public static List<AcsEvent> Parse(BinaryData body, bool cloudEvents)
    {
        try
        {
            return cloudEvents
                ? CloudEvent.ParseMany(body).Select(e => Read(e.Id, e.Type, e.Subject ?? "", e.Data ?? BinaryData.FromString("{}"))).ToList()
                : EventGridEvent.ParseMany(body).Select(e => Read(e.Id, e.EventType, e.Subject, e.Data)).ToList();
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or NullReferenceException)
        {
            throw new FormatException($"Not an Event Grid {(cloudEvents ? "CloudEvents" : "schema")} delivery: {ex.Message}", ex);
        }
    }

    /// <summary>True when the body looks like CloudEvents (the content type says so, or the event has a specversion).</summary>
    public static bool IsCloudEvents(string? contentType, BinaryData body)
    {
        if (contentType?.Contains("cloudevents", StringComparison.OrdinalIgnoreCase) == true)
        {
            return true;
        }

        try
        {
            var node = JsonNode.Parse(body.ToMemory().Span);
            var first = node is JsonArray array ? array.FirstOrDefault() : node;
            return first is JsonObject o && o.ContainsKey("specversion");
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static AcsEvent Read(string id, string type, string subject, BinaryData data)
    {
        // Re-wrap the (camelCased) data in an Event Grid event so the SDK's system event readers can take it.
        var normalized = new EventGridEvent(subject, type, "1.0", Camel(data));
        if (type is WhatsAppReceivedType or WhatsAppStatusType)
        {
            // Azure.Messaging.EventGrid 4.17 has no types for Advanced Messaging events: read their documented fields.
            return AdvancedMessage(id, type, JsonNode.Parse(normalized.Data.ToMemory().Span) as JsonObject ?? []);
        }

        if (!normalized.TryGetSystemEventData(out var system))
        {
            return new OtherEvent(id, type);
        }

        return system switch
        {
            SubscriptionValidationEventData v => new SubscriptionValidation(id, v.ValidationCode),
            AcsSmsReceivedEventData sms => new SmsReceived(id, sms.MessageId, sms.From, sms.To, sms.Message ?? "", sms.ReceivedTimestamp ?? DateTimeOffset.UtcNow),
            AcsSmsDeliveryReportReceivedEventData report => new SmsDeliveryReport(
                id, report.MessageId, report.To, report.DeliveryStatus ?? "", report.DeliveryStatusDetails, report.Tag ?? Field(normalized.Data, "tag"), report.ReceivedTimestamp ?? DateTimeOffset.UtcNow),
            AcsEmailDeliveryReportReceivedEventData email => new EmailDeliveryReport(
                id, email.MessageId, email.Recipient, email.Status?.ToString() ?? "", email.DeliveryStatusDetails?.StatusMessage, email.DeliveryAttemptTimestamp ?? DateTimeOffset.UtcNow),
            AcsEmailEngagementTrackingReportReceivedEventData engagement => new EmailEngagement(
                id, engagement.MessageId, Field(normalized.Data, "recipient") ?? "", engagement.Engagement?.ToString() ?? "", engagement.EngagementContext, engagement.UserActionTimestamp ?? DateTimeOffset.UtcNow),
            _ => new OtherEvent(id, type),
        };
    }

    /// <summary>
    /// WhatsApp events, only for the WhatsApp channel (<c>channelKind</c>, earlier <c>channelType</c>); a received
    /// message's text is its <c>content</c> (a button reply's text when the customer tapped one). The event id stands in
    /// for a message id the event does not carry, so a redelivery is still recognised.
    /// </summary>
    private static AcsEvent AdvancedMessage(string id, string type, JsonObject data)
    {
        string? S(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var kind = S(data["channelKind"]) ?? S(data["channelType"]);
        if (kind is not null && !kind.Equals("whatsapp", StringComparison.OrdinalIgnoreCase))
        {
            return new OtherEvent(id, type);
        }

        var at = DateTimeOffset.TryParse(S(data["receivedTimestamp"]), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.UtcNow;
        if (type == WhatsAppReceivedType)
        {
            var text = S(data["content"]) ?? S(data["button"]?["text"]) ?? "";
            return new WhatsAppReceived(id, S(data["messageId"]) ?? id, S(data["from"]) ?? "", S(data["to"]) ?? "", text, at);
        }

        var error = data["error"] is JsonObject e ? $"{S(e["channelCode"])} {S(e["channelMessage"])}".Trim() : null;
        return new WhatsAppStatus(id, S(data["messageId"]) ?? "", S(data["to"]) ?? "", S(data["status"]) ?? "", error is { Length: > 0 } ? error : null, at);
    }

    /// <summary>A field the SDK's type does not expose in this version (the engagement's recipient), read from the data.</summary>
    private static string? Field(BinaryData data, string name) =>
        (JsonNode.Parse(data.ToMemory().Span) as JsonObject)?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>The data with every property name starting lower-case (ACS sends both casings; one doc spells Timestamp "TimeStamp").</summary>
    private static BinaryData Camel(BinaryData data)
    {
        var node = JsonNode.Parse(data.ToMemory().Span);
        return BinaryData.FromString(Rename(node)?.ToJsonString() ?? "{}");
    }

    private static JsonNode? Rename(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(CamelName(p.Key), Rename(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Rename).ToArray()),
        _ => node?.DeepClone(),
    };

    private static string CamelName(string name)
    {
        var camel = name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
        return camel.EndsWith("TimeStamp", StringComparison.Ordinal) ? camel[..^"TimeStamp".Length] + "Timestamp" : camel;
    }
}
