using System.Globalization;
using System.Text;
using System.Text.Json;
using PxFunctions.Channels.Chat;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Inbound;
using PxFunctions.Channels.Metrics;
using PxFunctions.Configuration;
using PxFunctions.Http;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Channels;

/// <summary>
/// The web chat over HTTP. A customer's page (<c>/api/chat#t={link}</c>, or the brand's own page with the widget's one
/// script tag) exchanges a signed link token for a session (<c>POST /api/chat/sessions</c>), then polls
/// <c>GET /api/chat/messages</c> and posts replies with the session as a Bearer token. Identity comes from tokens
/// only (ids, never an address), so nothing personal is in a URL. STOP/START/HELP are handled before any journey
/// logic, as for texts; anything else is a line in the transcript and a reply for the journey that wrote to the
/// customer. Browsers on brand origins listed in <c>Chat__AllowedOrigins</c> may call it (CORS, no credentials).
/// </summary>
public static class ChatApi
{
    public const int MaxTextLength = 1000;

    public sealed record OpenSession(string? Token);

    public sealed record ChatSession(string Session, DateTimeOffset ExpiresAt, string? InstanceId);

    public sealed record SendMessage(string? Id, string? Text);

    public sealed record ChatLineView(string Id, string Author, string Text, DateTimeOffset At);

    public sealed record ChatLinesView(IReadOnlyList<ChatLineView> Lines, string? Cursor);

    public sealed record SentMessage(string Id, string Outcome);

    public sealed record LinkRequest(string? CustomerId, string? InstanceId);

    public sealed record LinkView(string Token, string Url, DateTimeOffset ExpiresAt);

    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/chat", Page).WithName("ChatPage").AllowAnonymousFunction();
        endpoints.MapGet("/api/chat/widget.js", Widget).WithName("ChatWidget").AllowAnonymousFunction();
        endpoints.MapMethods("/api/chat/sessions", ["POST", "OPTIONS"], OpenAsync).WithName("OpenChatSession").AllowAnonymousFunction();
        endpoints.MapMethods("/api/chat/messages", ["GET", "OPTIONS"], ListAsync).WithName("ListChatMessages").AllowAnonymousFunction();
        endpoints.MapPost("/api/chat/messages", SendAsync).WithName("SendChatMessage").AllowAnonymousFunction();
        endpoints.MapPost("/api/admin/chat/links", LinkAsync).WithName("CreateChatLink").RequireFunctionKey();
        return endpoints;
    }

    private static IResult Page(HttpContext context)
    {
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        return Results.Content(ChatWidget.Page, "text/html; charset=utf-8");
    }

    private static IResult Widget(HttpContext context)
    {
        context.Response.Headers.CacheControl = "public, max-age=300";
        return Results.Text(ChatWidget.Script, "application/javascript; charset=utf-8");
    }

    private static async Task<IResult> OpenAsync(
        HttpContext context, ChannelSettings settings, ChatTokens tokens, ConsentLedger consent, Conversations conversations, IJourneyInstances instances, TimeProvider time, CancellationToken ct)
    {
        if (Cors(context, settings) is { } preflight)
        {
            return preflight;
        }

        var (body, problem) = await ReadAsync<OpenSession>(context.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrWhiteSpace(body?.Token))
        {
            return Problems.BadRequest("token", "is required: the chat link's token.");
        }

        var (identity, session, error) = tokens.Open(body.Token);
        if (identity is null)
        {
            return Unauthorized(error!);
        }

        // Opening the chat is the customer's consent to service messages in it; each session is one consent event.
        var now = time.GetUtcNow();
        await consent.RecordAsync(
            new ConsentChange(ContactChannel.WebChat, identity.CustomerId, ConsentAction.ServiceGranted, now, "chat opened", null, "chat:" + identity.SessionId, identity.CustomerId), ct);

        // The journey that offered the chat hears the first reply even before it wrote a line here. An existing
        // conversation is kept as it is (it may be awaiting an answer).
        if (identity.InstanceId is { } instanceId
            && await instances.GetAsync(instanceId, ct) is { IsActive: true } state
            && !(await conversations.ForAsync(ContactChannel.WebChat, identity.CustomerId, ct)).Any(c => c.InstanceId == instanceId))
        {
            await conversations.RecordAsync(
                ContactChannel.WebChat, new Conversation(identity.CustomerId, instanceId, identity.CustomerId, InstanceJourney.Of(state), null, false, now), ct);
        }

        return Results.Ok(new ChatSession(session!, now + ChatTokens.SessionLifetime, identity.InstanceId));
    }

    private static async Task<IResult> ListAsync(
        HttpContext context, string? after, ChannelSettings settings, ChatTokens tokens, ChatRateLimiter limiter, ChatTranscript transcript, CancellationToken ct)
    {
        if (Cors(context, settings) is { } preflight)
        {
            return preflight;
        }

        var (identity, error) = tokens.Session(Bearer(context.Request));
        if (identity is null)
        {
            return Unauthorized(error!);
        }

        if (limiter.TryAcquire(identity.SessionId, "poll", ChatRateLimiter.PollsPerMinute) is { } wait)
        {
            return TooMany(context, wait, "polls");
        }

        string? seq = null;
        if (!string.IsNullOrEmpty(after) && (seq = Uncursor(after)) is null)
        {
            return Problems.BadRequest("after", "is not a cursor this API returned.");
        }

        var lines = await transcript.ListAsync(identity.CustomerId, seq, 200, ct);
        return Results.Ok(new ChatLinesView(
            lines.Select(l => new ChatLineView(l.Line.Id, l.Line.Author, l.Line.Text, l.Line.At)).ToList(),
            lines.Count > 0 ? Cursor(lines[^1].Seq) : after));
    }

    private static async Task<IResult> SendAsync(
        HttpContext context,
        ChannelSettings settings,
        DispatchSettings dispatch,
        ChatTokens tokens,
        ChatRateLimiter limiter,
        ChatTranscript transcript,
        ConsentLedger consent,
        ReplyRouter router,
        IJourneyInstances instances,
        MetricsStore metrics,
        TimeProvider time,
        CancellationToken ct)
    {
        Cors(context, settings);
        var (identity, error) = tokens.Session(Bearer(context.Request));
        if (identity is null)
        {
            return Unauthorized(error!);
        }

        if (limiter.TryAcquire(identity.SessionId, "send", ChatRateLimiter.MessagesPerMinute) is { } wait)
        {
            return TooMany(context, wait, "messages");
        }

        var (body, problem) = await ReadAsync<SendMessage>(context.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var id = body?.Id?.Trim();
        if (string.IsNullOrEmpty(id) || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            return Problems.BadRequest("id", "is required: a client-generated id (a UUID) of up to 64 letters, digits and dashes.");
        }

        var text = body!.Text?.Trim() ?? "";
        if (text.Length is 0 or > MaxTextLength)
        {
            return Problems.BadRequest("text", $"must be 1 to {MaxTextLength} characters.");
        }

        var now = time.GetUtcNow();
        var eventId = "chat:" + identity.SessionId + ":" + id;
        await transcript.AppendAsync(identity.CustomerId, new ChatLine(eventId, ChatAuthor.Customer, text, now, identity.InstanceId, null), ct);
        var brand = dispatch.Brand;
        string outcome;
        switch (OptOutKeywords.Classify(text))
        {
            case KeywordIntent.OptOut:
                await consent.RecordAsync(new ConsentChange(ContactChannel.WebChat, identity.CustomerId, ConsentAction.OptedOut, now, "chat reply", text, eventId, identity.CustomerId), ct);
                var journey = identity.InstanceId is { } instanceId ? InstanceJourney.Of(await instances.GetAsync(instanceId, ct)) : null;
                await metrics.RecordAsync(MetricEvent.OnChannel("optout:webchat:" + identity.SessionId + ":" + id, now, journey, "opt_outs", "webchat"), ct);
                await AnswerAsync(transcript, identity, "optout:" + eventId, $"{brand.Name}: you will get no more messages here. Send START to resume.", now, ct);
                outcome = InboundOutcome.OptedOut;
                break;
            case KeywordIntent.OptIn:
                await consent.RecordAsync(new ConsentChange(ContactChannel.WebChat, identity.CustomerId, ConsentAction.OptedIn, now, "chat reply", text, eventId, identity.CustomerId), ct);
                await AnswerAsync(transcript, identity, "optin:" + eventId, $"{brand.Name}: you are back in. Send STOP to opt out, HELP for help.", now, ct);
                outcome = InboundOutcome.OptedIn;
                break;
            case KeywordIntent.Help:
                await AnswerAsync(transcript, identity, "help:" + eventId, $"{brand.Name}: {brand.HelpText}", now, ct);
                outcome = InboundOutcome.Help;
                break;
            default:
                // Routed every time the same id comes (a retry after a lost answer): the event id makes it one reply.
                outcome = (await router.RouteAsync(ContactChannel.WebChat, identity.CustomerId, text, eventId, now, ct)).Action;
                break;
        }

        return Results.Accepted(value: new SentMessage(id, outcome));
    }

    /// <summary>A brand's server asks for a chat link for a signed-in customer (by profile key) or for a journey instance's customer.</summary>
    private static async Task<IResult> LinkAsync(LinkRequest? request, ChatTokens tokens, IJourneyContexts contexts, TimeProvider time, CancellationToken ct)
    {
        var customerId = request?.CustomerId?.Trim();
        var instanceId = request?.InstanceId?.Trim();
        if (string.IsNullOrEmpty(customerId) && string.IsNullOrEmpty(instanceId))
        {
            return Problems.BadRequest("customerId", "or instanceId is required.");
        }

        if (!string.IsNullOrEmpty(instanceId))
        {
            var input = await contexts.GetAsync(instanceId, ct);
            var owner = (string?)input?.Customer["id"];
            if (owner is null)
            {
                return Problems.Status(StatusCodes.Status404NotFound, "No such journey instance.", $"No journey instance '{instanceId}' with a customer.", "instanceId");
            }

            if (!string.IsNullOrEmpty(customerId) && customerId != owner)
            {
                return Problems.BadRequest("customerId", "is not the customer of that journey instance.");
            }

            customerId = owner;
        }

        var (token, url) = tokens.Link(customerId!, string.IsNullOrEmpty(instanceId) ? null : instanceId);
        return Results.Ok(new LinkView(token, url, time.GetUtcNow() + ChatTokens.LinkLifetime));
    }

    private static async Task AnswerAsync(ChatTranscript transcript, ChatIdentity identity, string id, string text, DateTimeOffset at, CancellationToken ct) =>
        await transcript.AppendAsync(identity.CustomerId, new ChatLine(id, ChatAuthor.Journey, text, at.AddTicks(1), identity.InstanceId, null), ct);

    /// <summary>
    /// CORS for brand origins: a listed origin is allowed (no credentials: the session is a Bearer token, not a
    /// cookie); a preflight gets its answer here (the result), other requests go on (null).
    /// </summary>
    private static IResult? Cors(HttpContext context, ChannelSettings settings)
    {
        var origin = context.Request.Headers.Origin.ToString();
        var allowed = origin.Length > 0 && settings.ChatAllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase);
        if (allowed)
        {
            context.Response.Headers.AccessControlAllowOrigin = origin;
            context.Response.Headers.Vary = "Origin";
        }

        if (!HttpMethods.IsOptions(context.Request.Method))
        {
            return null;
        }

        if (!allowed)
        {
            return Problems.Status(StatusCodes.Status403Forbidden, "This origin may not use the chat.", $"Add it to {SettingNames.ChatAllowedOrigins}.", "Origin");
        }

        context.Response.Headers.AccessControlAllowMethods = "GET, POST, OPTIONS";
        context.Response.Headers.AccessControlAllowHeaders = "authorization, content-type";
        context.Response.Headers.AccessControlMaxAge = "600";
        return Results.NoContent();
    }

    private static string? Bearer(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
    }

    private static IResult Unauthorized(string reason) =>
        Problems.Status(StatusCodes.Status401Unauthorized, "The chat token is not valid.", reason, "token");

    private static IResult TooMany(HttpContext context, TimeSpan wait, string what)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Problems.Status(StatusCodes.Status429TooManyRequests, "Too many requests.", $"Too many {what} in this session; try again in {seconds} s.", "session");
    }

    private static async Task<(T? Body, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken ct)
    {
        var (bytes, tooLarge) = await RequestBody.ReadAsync(request, ct, 16_384);
        if (tooLarge is not null)
        {
            return (default, tooLarge);
        }

        try
        {
            return (bytes.Length == 0 ? default : JsonSerializer.Deserialize<T>(bytes, JsonSerializerOptions.Web), null);
        }
        catch (JsonException ex)
        {
            return (default, Problems.BadRequest("body", "must be JSON: " + ex.Message));
        }
    }

    // The cursor is the last line's Seq, opaque to the widget.
    private static string Cursor(string seq) => Convert.ToBase64String(Encoding.UTF8.GetBytes(seq)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? Uncursor(string cursor)
    {
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            return Encoding.UTF8.GetString(Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4)));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
