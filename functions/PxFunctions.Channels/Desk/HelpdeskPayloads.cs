using System.Text.Json.Nodes;

namespace PxFunctions.Channels.Desk;

/// <summary>Who wrote what a helpdesk event carries.</summary>
public enum HelpdeskAuthor
{
    /// <summary>The customer (a reply on SMS or email).</summary>
    Customer,

    /// <summary>An agent's answer, sent to the customer.</summary>
    Agent,

    /// <summary>The app itself (a handoff opened or closed): not sent to anyone.</summary>
    System,

    /// <summary>An internal note: for the team only.</summary>
    Note,
}

/// <summary>One handoff event in the terms of a ticket: the ticket's identity and state, and the comment the event adds.</summary>
/// <param name="Channel">The customer's channel (<c>sms</c>, <c>email</c>), when known.</param>
public sealed record HelpdeskTicket(
    string ExternalId,
    string Subject,
    bool Closed,
    bool IsNew,
    string? CustomerName,
    string? CustomerEmail,
    IReadOnlyList<string> Tags,
    string Body,
    HelpdeskAuthor Author,
    string? Channel,
    string EventId,
    DateTimeOffset At);

/// <summary>
/// Handoff events in the JSON the helpdesks' ticket APIs take, so a receiver can pass them on as they are (or a
/// proxy can call the API with them). Zendesk, Tickets API (<c>POST /api/v2/tickets</c> to create,
/// <c>PUT /api/v2/tickets/{id}</c> to update; comments are added with the ticket, public or private):
/// <c>{"ticket": {external_id, subject, comment: {body, public}, requester: {name, email}, tags, status}}</c>.
/// Gorgias, <c>POST /api/tickets</c> (and <c>POST /api/tickets/{id}/messages</c> for the later messages): a ticket with
/// <c>external_id, channel, via, from_agent, status, subject, customer, tags, messages[]</c>, each message with
/// <c>channel, via, from_agent, public, sender, body_text, external_id, created_datetime</c>; internal notes are
/// messages on the <c>internal-note</c> channel.
/// </summary>
public static class HelpdeskPayloads
{
    public static JsonObject Build(HelpdeskFormat format, HelpdeskTicket ticket) => format switch
    {
        HelpdeskFormat.Zendesk => Zendesk(ticket),
        HelpdeskFormat.Gorgias => Gorgias(ticket),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    private static JsonObject Zendesk(HelpdeskTicket t)
    {
        var requester = new JsonObject { ["name"] = t.CustomerName ?? "Customer" };
        if (t.CustomerEmail is not null)
        {
            requester["email"] = t.CustomerEmail;
        }

        return new JsonObject
        {
            ["ticket"] = new JsonObject
            {
                ["external_id"] = t.ExternalId,
                ["subject"] = t.Subject.Length > 150 ? t.Subject[..150] : t.Subject,
                ["comment"] = new JsonObject
                {
                    ["body"] = t.Body,
                    // What the customer saw or said is public; notes and the app's own lines are private.
                    ["public"] = t.Author is HelpdeskAuthor.Customer or HelpdeskAuthor.Agent,
                },
                ["requester"] = requester,
                ["tags"] = new JsonArray(t.Tags.Select(tag => (JsonNode)JsonValue.Create(tag)!).ToArray()),
                ["status"] = t.Closed ? "solved" : t.IsNew ? "new" : "open",
            },
        };
    }

    private static JsonObject Gorgias(HelpdeskTicket t)
    {
        var channel = t.Channel is "sms" or "email" ? t.Channel : "api";
        var fromAgent = t.Author != HelpdeskAuthor.Customer;
        var customer = new JsonObject { ["name"] = t.CustomerName ?? "Customer" };
        if (t.CustomerEmail is not null)
        {
            customer["email"] = t.CustomerEmail;
        }

        var message = new JsonObject
        {
            ["channel"] = t.Author == HelpdeskAuthor.Note || t.Author == HelpdeskAuthor.System ? "internal-note" : channel,
            ["via"] = "api",
            ["from_agent"] = fromAgent,
            ["public"] = t.Author is HelpdeskAuthor.Customer or HelpdeskAuthor.Agent,
            ["sender"] = fromAgent ? new JsonObject { ["name"] = "PX Functions" } : customer.DeepClone(),
            ["body_text"] = t.Body,
            ["external_id"] = t.EventId,
            ["created_datetime"] = t.At.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        return new JsonObject
        {
            ["external_id"] = t.ExternalId,
            ["channel"] = channel,
            ["via"] = "api",
            ["from_agent"] = false,
            ["status"] = t.Closed ? "closed" : "open",
            ["subject"] = t.Subject,
            ["customer"] = customer,
            ["tags"] = new JsonArray(t.Tags.Select(tag => (JsonNode)new JsonObject { ["name"] = tag }).ToArray()),
            ["messages"] = new JsonArray(message),
        };
    }
}
