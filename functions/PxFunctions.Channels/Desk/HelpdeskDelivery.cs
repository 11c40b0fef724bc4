using System.Net.Http.Headers;
using System.Text;
using PxFunctions.Channels.Dispatch;

namespace PxFunctions.Channels.Desk;

public enum HelpdeskDeliveryOutcome
{
    /// <summary>The helpdesk answered 2xx.</summary>
    Delivered,

    /// <summary>The helpdesk took this event before (a repeated queue message): nothing sent.</summary>
    AlreadyDelivered,

    /// <summary>Nothing to send: no helpdesk is configured, or the handoff or its text was erased meanwhile.</summary>
    Dropped,

    /// <summary>The helpdesk could not be reached or did not answer 2xx: try again later.</summary>
    Failed,
}

/// <param name="Reason">Why it failed or was dropped: a status code or an error type, never a body.</param>
public sealed record HelpdeskDeliveryResult(HelpdeskDeliveryOutcome Outcome, string? Reason = null);

/// <summary>
/// Sends one helpdesk event: reads the handoff, the customer (from the purchase) and the event's text at send time,
/// writes them in the helpdesk's ticket shape (<see cref="HelpdeskPayloads"/>), signs the body
/// (<see cref="HelpdeskSignature"/>) and POSTs it. One delivery of an event id is in flight at a time (a claim in the
/// index); a 2xx is marked there, so a repeated event is not sent again; a crash between the 2xx and the mark sends it
/// once more, with the same <c>X-Px-Event-Id</c> for the receiver to drop. The body carries the customer's name and email (the helpdesk needs them); nothing here logs it.
/// </summary>
public sealed class HelpdeskDelivery(HandoffIndex index, JourneyTexts texts, HandoffDesk desk, DeskOptions options, TimeProvider time)
{
    public const string HttpClientName = "helpdesk";

    private const int ConversationLines = 10;

    /// <summary>How long one delivery owns an event: longer than the request's time-out.</summary>
    private static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(2);

    /// <param name="http">A client from the app's factory (pooled handlers), with the delivery's time-out.</param>
    public async Task<HelpdeskDeliveryResult> DeliverAsync(HelpdeskEvent e, HttpClient http, CancellationToken cancellationToken)
    {
        if (options.Helpdesk is not { } helpdesk)
        {
            return new(HelpdeskDeliveryOutcome.Dropped, "no helpdesk is configured");
        }

        if (await index.GetAsync(e.InstanceId, e.OpenedAt, cancellationToken) is not { } handoff)
        {
            return new(HelpdeskDeliveryOutcome.Dropped, "the handoff no longer exists");
        }

        var (claim, etag) = await index.ClaimDeliveryAsync(e.InstanceId, e.Id, time.GetUtcNow(), ClaimLease, cancellationToken);
        if (claim != DeliveryClaim.Claimed)
        {
            return new(HelpdeskDeliveryOutcome.AlreadyDelivered, claim == DeliveryClaim.Busy ? "another delivery of it is in flight" : null);
        }

        var result = await SendAsync(e, handoff, helpdesk, http, cancellationToken);
        if (result.Outcome == HelpdeskDeliveryOutcome.Delivered)
        {
            await index.MarkDeliveredAsync(e.InstanceId, e.Id, time.GetUtcNow(), cancellationToken);
        }
        else
        {
            await index.ReleaseDeliveryAsync(e.InstanceId, e.Id, etag, cancellationToken);
        }

        return result;
    }

    private async Task<HelpdeskDeliveryResult> SendAsync(HelpdeskEvent e, Handoff handoff, HelpdeskOptions helpdesk, HttpClient http, CancellationToken cancellationToken)
    {
        if (await BodyAsync(e, handoff, cancellationToken) is not { } comment)
        {
            return new(HelpdeskDeliveryOutcome.Dropped, "the event's text no longer exists");
        }

        var customer = await desk.CustomerAsync(e.InstanceId, cancellationToken);
        var ticket = new HelpdeskTicket(
            handoff.ExternalId,
            $"{handoff.Reason ?? "A customer asked for a person"} ({handoff.JourneyId})",
            Closed: e.Kind == HelpdeskEventKind.Closed,
            IsNew: e.Kind == HelpdeskEventKind.Opened,
            customer?.FullName,
            customer?.Email,
            Tags(handoff),
            comment.Body,
            comment.Author,
            handoff.LastCustomerChannel ?? (customer?.Phone is not null ? "sms" : customer?.Email is not null ? "email" : null),
            e.Id,
            e.At);
        var body = Encoding.UTF8.GetBytes(HelpdeskPayloads.Build(helpdesk.Format, ticket).ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, helpdesk.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(HelpdeskSignature.Header, HelpdeskSignature.Sign(helpdesk.Secret, time.GetUtcNow(), body));
        request.Headers.Add(HelpdeskSignature.EventIdHeader, e.Id);
        request.Headers.Add(HelpdeskSignature.EventKindHeader, e.Kind);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return new(HelpdeskDeliveryOutcome.Failed, $"the helpdesk answered {(int)response.StatusCode}");
            }
        }
        catch (HttpRequestException ex)
        {
            return new(HelpdeskDeliveryOutcome.Failed, $"the helpdesk could not be reached ({ex.HttpRequestError})");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(HelpdeskDeliveryOutcome.Failed, "the helpdesk did not answer in time");
        }

        return new(HelpdeskDeliveryOutcome.Delivered);
    }

    private async Task<(string Body, HelpdeskAuthor Author)?> BodyAsync(HelpdeskEvent e, Handoff handoff, CancellationToken cancellationToken)
    {
        switch (e.Kind)
        {
            case HelpdeskEventKind.Opened:
                var lines = (await texts.RecentAsync(e.InstanceId, ConversationLines, cancellationToken))
                    .Where(t => t.At <= handoff.OpenedAt.AddSeconds(1))
                    .Select(t => $"{(t.From == "agent" ? "Agent" : "Customer")} ({t.Channel ?? "?"}, {t.At:u}): {t.Text}");
                var where = $"Journey {handoff.JourneyId}{(handoff.Version is { } v ? " v" + v : "")}, stage {handoff.Stage ?? "-"}, step {handoff.Step ?? "-"}.";
                return ($"{handoff.Reason ?? "A customer asked for a person"}\n{where}\n\nRecent conversation:\n{string.Join('\n', lines)}", HelpdeskAuthor.System);
            case HelpdeskEventKind.CustomerMessage or HelpdeskEventKind.AgentReply:
                return e.Reference is { } reference && await texts.GetAsync(e.InstanceId, reference, cancellationToken) is { } text
                    ? (text.Text, e.Kind == HelpdeskEventKind.AgentReply ? HelpdeskAuthor.Agent : HelpdeskAuthor.Customer)
                    : null;
            case HelpdeskEventKind.Note:
                return e.Reference is { } noteId && await index.NoteAsync(handoff, noteId, cancellationToken) is { } note
                    ? ($"Note by {note.Author}: {note.Text}", HelpdeskAuthor.Note)
                    : null;
            case HelpdeskEventKind.Closed:
                return ($"Handoff closed ({handoff.ClosedBy ?? "closed"}); the journey goes on.", HelpdeskAuthor.System);
            default:
                return null;
        }
    }

    /// <summary>Tags as helpdesks take them (lower case, no spaces): where the journey was.</summary>
    private static List<string> Tags(Handoff handoff)
    {
        static string Tag(string prefix, string value) => prefix + new string(value.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());
        var tags = new List<string> { "px", Tag("px-journey-", handoff.JourneyId) };
        if (handoff.Stage is { } stage)
        {
            tags.Add(Tag("px-stage-", stage));
        }

        if (handoff.Step is { } step)
        {
            tags.Add(Tag("px-step-", step));
        }

        return tags;
    }
}
