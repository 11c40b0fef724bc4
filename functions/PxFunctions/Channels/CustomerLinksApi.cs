using System.Net;
using System.Text.Json.Nodes;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Links;
using PxFunctions.Channels.Metrics;
using PxFunctions.Http;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Journeys.Durable;
using PxFunctions.Channels.Dispatch;

namespace PxFunctions.Channels;

/// <summary>
/// Links in emails. <c>/api/r/{token}</c> answers a question: GET shows the answer with a Confirm button (so link
/// scanners that open every URL answer nothing), POST records it once. <c>/api/u/{token}</c> unsubscribes: POST is
/// RFC 8058 one-click (mail clients send <c>List-Unsubscribe=One-Click</c>) and acts at once; GET shows a button.
/// Tokens are HMAC-signed and answer links expire. A link's POST that acts (an answer link's first use, an
/// unsubscribe) is counted in the PX metrics under its token's nonce, after the act: a metrics store that fails
/// then is logged and the customer still sees their act done.
/// </summary>
public static class CustomerLinksApi
{
    public static IEndpointRouteBuilder MapCustomerLinksApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods("/api/r/{token}", ["GET", "POST"], AnswerAsync).WithName("AnswerLink").AllowAnonymousFunction();
        endpoints.MapMethods("/api/u/{token}", ["GET", "POST"], UnsubscribeAsync).WithName("UnsubscribeLink").AllowAnonymousFunction();
        return endpoints;
    }

    private static async Task<IResult> AnswerAsync(
        string token, HttpRequest request, LinkSigner signer, UsedLinks used, IJourneyInstances instances, JourneyTexts texts, MetricsStore metrics, ILoggerFactory loggers, TimeProvider time, CancellationToken ct)
    {
        var (payload, error) = signer.Verify(token, time.GetUtcNow());
        if (payload is null || payload.Kind != LinkPayload.Answer || payload.InstanceId is null)
        {
            return Page(StatusCodes.Status400BadRequest, "This link does not work", error ?? "The link is not valid.");
        }

        if (HttpMethods.IsGet(request.Method))
        {
            return Page(StatusCodes.Status200OK, "Confirm your answer", $"Your answer: <strong>{WebUtility.HtmlEncode(payload.Value)}</strong>", "Confirm");
        }

        if (!await used.TryUseAsync(payload.Nonce, time.GetUtcNow(), ct))
        {
            return Page(StatusCodes.Status409Conflict, "Already answered", "Thanks, we already have this answer.");
        }

        // The link acted (it is used now, whether or not its question is still open): one click, under its nonce,
        // and a reply when the answer reached the journey.
        var now = time.GetUtcNow();
        var state = await instances.GetAsync(payload.InstanceId, ct);
        var accepted = false;
        if (state is { IsActive: true })
        {
            var reference = await texts.SaveAsync(payload.InstanceId, "link:" + payload.Nonce, new JourneyText("customer", "email", payload.Value ?? "", now), ct);
            var data = new JsonObject { ["ref"] = reference, ["channel"] = "email", ["at"] = now };
            accepted = await instances.RaiseEventAsync(payload.InstanceId, JourneyInterpreter.Events.Reply, data, "link:" + payload.Nonce, ct) == InstanceOperation.Accepted;
        }

        var click = accepted ? MetricEvent.Of("click:" + payload.Nonce, now, InstanceJourney.Of(state), ("link_clicks", 1), ("replies", 1), ("replies_email", 1)) : MetricEvent.One("click:" + payload.Nonce, now, InstanceJourney.Of(state), "link_clicks");
        await CountAsync(metrics, click, loggers, ct);
        return accepted
            ? Page(StatusCodes.Status200OK, "Thank you", "Your answer is in. You can close this page.")
            : Page(StatusCodes.Status410Gone, "This question has closed", "Thanks anyway: this conversation has finished.");
    }

    private static async Task<IResult> UnsubscribeAsync(
        string token, HttpRequest request, LinkSigner signer, ConsentLedger consent, IJourneyInstances instances, MetricsStore metrics, ILoggerFactory loggers, TimeProvider time, CancellationToken ct)
    {
        var (payload, error) = signer.Verify(token, time.GetUtcNow());
        if (payload is null || payload.Kind != LinkPayload.Unsubscribe)
        {
            return Page(StatusCodes.Status400BadRequest, "This link does not work", error ?? "The link is not valid.");
        }

        if (HttpMethods.IsGet(request.Method))
        {
            return Page(StatusCodes.Status200OK, "Unsubscribe", $"Stop marketing email to <strong>{WebUtility.HtmlEncode(payload.Address)}</strong>?", "Unsubscribe");
        }

        var oneClick = request.HasFormContentType && (await request.ReadFormAsync(ct))["List-Unsubscribe"] == "One-Click";
        var now = time.GetUtcNow();
        await consent.RecordAsync(
            new ConsentChange(ContactChannel.Email, payload.Address, ConsentAction.OptedOut, now, oneClick ? "one-click unsubscribe (RFC 8058)" : "unsubscribe link", null, "unsubscribe:" + payload.Nonce),
            ct);

        // One opt-out per link however often it is posted; the journey is the one whose message carried the link
        // (links sent before they named their instance count for all journeys only).
        var journey = payload.InstanceId is { } instanceId ? InstanceJourney.Of(await instances.GetAsync(instanceId, ct)) : null;
        await CountAsync(metrics, MetricEvent.OnChannel("optout:email:" + payload.Nonce, now, journey, "opt_outs", "email"), loggers, ct);
        return Page(StatusCodes.Status200OK, "Unsubscribed", "You will get no more marketing email from us.");
    }

    /// <summary>Counts a link's act; the act is done already, so a store that fails now is logged, not shown to the customer.</summary>
    private static async Task CountAsync(MetricsStore metrics, MetricEvent metric, ILoggerFactory loggers, CancellationToken ct)
    {
        try
        {
            await metrics.RecordAsync(metric, ct);
        }
        catch (Azure.RequestFailedException ex)
        {
            loggers.CreateLogger(typeof(CustomerLinksApi)).LogWarning(ex, "Metric {MetricId} not counted: the metrics store failed ({Status})", metric.Id, ex.Status);
        }
    }

    /// <summary>A small page for people (not problem+json): a title, a line, and optionally a button that POSTs here.</summary>
    private static IResult Page(int status, string title, string html, string? button = null)
    {
        var form = button is null ? "" : $"<form method=\"post\"><button type=\"submit\">{WebUtility.HtmlEncode(button)}</button></form>";
        return Results.Content(
            $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{WebUtility.HtmlEncode(title)}</title></head>" +
            $"<body style=\"font-family:sans-serif;max-width:32rem;margin:3rem auto\"><h1>{WebUtility.HtmlEncode(title)}</h1><p>{html}</p>{form}</body></html>",
            "text/html; charset=utf-8",
            statusCode: status);
    }
}
