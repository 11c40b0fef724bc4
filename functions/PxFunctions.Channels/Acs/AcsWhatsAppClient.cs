using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Channels.Acs;

/// <summary>One WhatsApp message to one number: free text or an approved template, with its repeatability id (stable across retries).</summary>
public sealed record WhatsAppSend(Guid ChannelRegistrationId, string To, string? Text, WhatsAppTemplateContent? Template, Guid RepeatabilityRequestId, DateTimeOffset RepeatabilityFirstSent);

/// <summary>ACS's receipt for a sent WhatsApp message: its id (what delivery status events name) and the recipient.</summary>
public sealed record WhatsAppReceipt(string MessageId, string To, string? RepeatabilityResult);

/// <summary>
/// ACS Advanced Messaging, <c>POST {endpoint}/messages/notifications:send?api-version=2024-08-30</c> (GA): a
/// <c>text</c> notification (<c>content</c>) or a <c>template</c> notification (<c>template {name, language, values,
/// bindings}</c>; each parameter is a <c>text</c> value bound, in order, to the template's body). The operation takes
/// <c>Repeatability-Request-ID</c> and <c>Repeatability-First-Sent</c>, so a retry with the same pair is executed once.
/// 202 answers <c>{receipts: [{messageId, to}]}</c>; errors are <c>{error: {code, message}}</c>.
/// </summary>
public sealed class AcsWhatsAppClient(Uri endpoint, HttpPipeline pipeline)
{
    public const string ApiVersion = "2024-08-30";

    /// <summary>WhatsApp wants the number without the plus sign (<c>14155550123</c>).</summary>
    public static string NumberOf(string e164) => e164.TrimStart('+');

    public async Task<WhatsAppReceipt> SendAsync(WhatsAppSend send, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["channelRegistrationId"] = send.ChannelRegistrationId.ToString("D"),
            ["to"] = new JsonArray(NumberOf(send.To)),
        };
        if (send.Template is { } template)
        {
            var values = new JsonArray();
            var bindings = new JsonArray();
            for (var i = 0; i < template.Parameters.Count; i++)
            {
                // The values are named after their place: the template's {{1}}, {{2}}...
                var name = "p" + (i + 1).ToString(CultureInfo.InvariantCulture);
                values.Add(new JsonObject { ["kind"] = "text", ["name"] = name, ["text"] = template.Parameters[i] });
                bindings.Add(new JsonObject { ["refValue"] = name });
            }

            body["kind"] = "template";
            body["template"] = new JsonObject
            {
                ["name"] = template.Name,
                ["language"] = template.Language,
                ["values"] = values,
                ["bindings"] = new JsonObject { ["kind"] = "whatsApp", ["body"] = bindings },
            };
        }
        else
        {
            body["kind"] = "text";
            body["content"] = send.Text ?? throw new ArgumentException("A WhatsApp message needs text or a template.", nameof(send));
        }

        using var message = pipeline.CreateMessage();
        var request = message.Request;
        request.Method = RequestMethod.Post;
        request.Uri.Reset(new Uri(endpoint, $"/messages/notifications:send?api-version={ApiVersion}"));
        request.Headers.SetValue("Content-Type", "application/json");
        request.Headers.SetValue("Repeatability-Request-ID", send.RepeatabilityRequestId.ToString("D"));
        request.Headers.SetValue("Repeatability-First-Sent", send.RepeatabilityFirstSent.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture));
        request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(body));
        await pipeline.SendAsync(message, cancellationToken);

        var response = message.Response;
        if (response.Status != 202)
        {
            throw AcsRequestException.From(response);
        }

        var receipt = (JsonNode.Parse(response.Content.ToMemory().Span)?["receipts"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault();
        return receipt?["messageId"] is JsonValue id && id.TryGetValue<string>(out var messageId)
            ? new WhatsAppReceipt(messageId, (string?)receipt["to"] ?? send.To, response.Headers.TryGetValue("Repeatability-Result", out var result) ? result : null)
            : throw new AcsRequestException(202, null, "The answer held no receipt.");
    }
}
