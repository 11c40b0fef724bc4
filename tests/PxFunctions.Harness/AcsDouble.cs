using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PxFunctions.Channels.Acs;

namespace PxFunctions.Harness;

/// <summary>
/// Azure Communication Services as its REST contract describes it, on a loopback port: <c>POST /sms</c> (202 with a
/// result per recipient, repeatability per recipient: the same id and first-sent date return the first result and
/// deliver nothing new), <c>POST /emails:send</c> (202 + Operation-Location) and <c>GET /emails/operations/{id}</c>.
/// Every request must carry the HMAC-SHA256 signature ACS checks (x-ms-date, x-ms-content-sha256 of the exact body,
/// signed <c>METHOD\npath?query\ndate;host;hash</c>); a bad one is a 401. Failures can be queued: 429 with
/// Retry-After, 503, or a failed recipient inside a 202; or drawn at random (<see cref="Faults"/>: throttling and
/// server errors at given rates); and the whole service can stall (<see cref="StallFor"/>: requests wait, as on a
/// hung connection, until the stall ends or the caller gives up).
/// </summary>
public sealed class AcsDouble : IAsyncDisposable
{
    public static readonly byte[] Key = Encoding.UTF8.GetBytes("acs-double-access-key-0123456789abcdef");

    private WebApplication _app = null!;
    private readonly ConcurrentDictionary<string, (string FirstSent, JsonObject Result)> _repeatable = new();
    private readonly ConcurrentDictionary<string, int> _polls = new();

    /// <summary>Whole-request failures to answer next, in order (429 with Retry-After: 1, 503, 500...).</summary>
    public ConcurrentQueue<int> NextStatuses { get; } = new();

    /// <summary>Per-recipient failures to answer next inside a 202 (400 = bad number, 503 = try again).</summary>
    public ConcurrentQueue<int> NextRecipientStatuses { get; } = new();

    /// <summary>Every SMS really delivered (once per repeatability id), and when.</summary>
    public ConcurrentQueue<(string To, string Message, string MessageId, string? Tag, DateTimeOffset At)> Sms { get; } = new();

    /// <summary>Random failures of whole requests: a share answered 429 (Retry-After: 1), a share 500/503.</summary>
    public AcsFaults? Faults { get; set; }

    /// <summary>Requests answered with 429 or 5xx so far (queued or random).</summary>
    public int Refused => _refused;

    private int _refused;
    private long _stalledUntilTicks;

    /// <summary>From now, every request waits until <paramref name="duration"/> has passed (or its caller hangs up).</summary>
    public void StallFor(TimeSpan duration) => Interlocked.Exchange(ref _stalledUntilTicks, (DateTimeOffset.UtcNow + duration).UtcTicks);

    /// <summary>The WhatsApp channel registration the double knows; any other id is a 404, as for a resource without it.</summary>
    public static readonly Guid WhatsAppChannelId = new("5b0c6e2a-4a35-4c83-9a52-0d6f1c7e3a11");

    /// <summary>Templates approved for the channel: (name, language) → the number of body parameters.</summary>
    public ConcurrentDictionary<(string Name, string Language), int> ApprovedTemplates { get; } = new();

    /// <summary>
    /// Every WhatsApp message accepted (once per repeatability id). <c>OutsideWindow</c>: free text to a number that
    /// has not written within 24 hours (<see cref="CustomerWrote"/>); WhatsApp accepts the request and then fails it
    /// (error 131047), so a correct app never sends one.
    /// </summary>
    public ConcurrentQueue<WhatsAppDelivery> WhatsApp { get; } = new();

    private readonly ConcurrentDictionary<string, DateTimeOffset> _wrote = new();
    private readonly ConcurrentDictionary<string, (string FirstSent, JsonObject Result)> _repeatableWhatsApp = new();

    /// <summary>The customer wrote to the business on WhatsApp at <paramref name="at"/>: free text may reach them for 24 hours.</summary>
    public void CustomerWrote(string number, DateTimeOffset at) => _wrote[number.TrimStart('+')] = at;

    /// <summary>Every email really accepted, with its operation id and the request body.</summary>
    public ConcurrentQueue<(string OperationId, JsonObject Body)> Emails { get; } = new();

    /// <summary>Every request that arrived (method and path), signed correctly or not.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public int Unauthorized => _unauthorized;

    private int _unauthorized;

    private AcsDouble()
    {
    }

    public Uri Endpoint { get; private set; } = null!;

    public string ConnectionString => $"endpoint={Endpoint};accesskey={Convert.ToBase64String(Key)}";

    public static async Task<AcsDouble> StartAsync(CancellationToken cancellationToken = default)
    {
        var double_ = new AcsDouble();
        var (app, address) = await Loopback.StartAsync(a =>
        {
            a.MapPost("/sms", (Delegate)double_.SmsAsync);
            a.MapPost("/emails:send", (Delegate)double_.EmailAsync);
            a.MapGet("/emails/operations/{id}", double_.OperationAsync);
            a.MapPost("/messages/notifications:send", (Delegate)double_.WhatsAppAsync);
        }, cancellationToken);
        double_._app = app;
        double_.Endpoint = new Uri(address + "/");
        return double_;
    }

    private async Task<IResult> SmsAsync(HttpContext context)
    {
        // A text counts as reaching ACS when its request arrives, however long the service then takes to answer.
        var arrived = DateTimeOffset.UtcNow;
        var (body, refusal) = await AuthenticateAsync(context);
        if (refusal is not null)
        {
            return refusal;
        }

        if (context.Request.Query["api-version"] != AcsSmsClient.ApiVersion)
        {
            return Error(400, "InvalidApiVersion", "Unsupported api-version.");
        }

        if (await RefusalAsync(context) is { } failure)
        {
            return failure;
        }

        var request = JsonNode.Parse(body) as JsonObject;
        if (request?["from"] is null || request["message"] is null || request["smsRecipients"] is not JsonArray { Count: > 0 } recipients)
        {
            return Error(400, "BadRequest", "from, message and smsRecipients are required.");
        }

        var results = new JsonArray();
        foreach (var recipient in recipients.OfType<JsonObject>())
        {
            var to = (string)recipient["to"]!;
            var id = (string?)recipient["repeatabilityRequestId"];
            var firstSent = (string?)recipient["repeatabilityFirstSent"];
            if ((id is null) != (firstSent is null))
            {
                results.Add(new JsonObject { ["to"] = to, ["httpStatusCode"] = 400, ["repeatabilityResult"] = "rejected", ["successful"] = false, ["errorMessage"] = "Send both repeatability fields or neither." });
                continue;
            }

            if (id is not null && _repeatable.TryGetValue(id, out var earlier))
            {
                // A repeated request: the first answer again, nothing delivered again (or rejected if the date differs).
                results.Add(earlier.FirstSent == firstSent
                    ? (JsonObject)earlier.Result.DeepClone()
                    : new JsonObject { ["to"] = to, ["httpStatusCode"] = 400, ["repeatabilityResult"] = "rejected", ["successful"] = false, ["errorMessage"] = "Repeatability id reused with another first-sent date." });
                continue;
            }

            if (NextRecipientStatuses.TryDequeue(out var recipientStatus))
            {
                results.Add(new JsonObject { ["to"] = to, ["httpStatusCode"] = recipientStatus, ["successful"] = false, ["errorMessage"] = recipientStatus == 400 ? "Invalid To phone number format." : "ServiceUnavailable" });
                continue;
            }

            var messageId = "Outgoing_" + Guid.NewGuid().ToString("N");
            var result = new JsonObject { ["to"] = to, ["messageId"] = messageId, ["httpStatusCode"] = 202, ["repeatabilityResult"] = id is null ? null : "accepted", ["successful"] = true };
            if (id is not null)
            {
                _repeatable[id] = (firstSent!, result);
            }

            Sms.Enqueue((to, (string)request["message"]!, messageId, (string?)request["smsSendOptions"]?["tag"], arrived));
            results.Add(result.DeepClone());
        }

        return Results.Json(new JsonObject { ["value"] = results }, statusCode: 202);
    }

    private async Task<IResult> EmailAsync(HttpContext context)
    {
        var (body, refusal) = await AuthenticateAsync(context);
        if (refusal is not null)
        {
            return refusal;
        }

        if (await RefusalAsync(context) is { } failure)
        {
            return failure;
        }

        var request = JsonNode.Parse(body) as JsonObject;
        if (request?["senderAddress"] is null || request["content"]?["subject"] is null || request["recipients"]?["to"] is not JsonArray { Count: > 0 })
        {
            return Error(400, "BadRequest", "senderAddress, content.subject and recipients.to are required.");
        }

        // No repeatability for email: every POST is a new email, whatever its Operation-Id.
        var id = context.Request.Headers["Operation-Id"].FirstOrDefault() ?? Guid.NewGuid().ToString("D");
        Emails.Enqueue((id, request));
        _polls[id] = 0;
        context.Response.Headers["Operation-Location"] = $"{Endpoint}emails/operations/{id}?api-version={AcsEmailClient.ApiVersion}";
        context.Response.Headers["retry-after"] = "0";
        return Results.Json(new { id, status = "Running" }, statusCode: 202);
    }

    private async Task<IResult> OperationAsync(HttpContext context, string id)
    {
        var (_, refusal) = await AuthenticateAsync(context);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!_polls.TryGetValue(id, out var polls))
        {
            return Error(404, "NotFound", $"Operation {id} does not exist.");
        }

        _polls[id] = polls + 1;
        if (polls == 0)
        {
            context.Response.Headers["retry-after"] = "0";
            return Results.Json(new { id, status = "Running" });
        }

        return Results.Json(new { id, status = "Succeeded" });
    }

    /// <summary>
    /// <c>POST /messages/notifications:send</c>: api-version, signature, the channel registration (404 when unknown),
    /// <c>to</c> (one number), <c>kind</c> text (with <c>content</c>) or template (approved name and language, as many
    /// text values as the template has parameters, each bound in the body), repeatability by header; 202 with receipts.
    /// </summary>
    private async Task<IResult> WhatsAppAsync(HttpContext context)
    {
        var (body, refusal) = await AuthenticateAsync(context);
        if (refusal is not null)
        {
            return refusal;
        }

        if (context.Request.Query["api-version"] != AcsWhatsAppClient.ApiVersion)
        {
            return Error(400, "InvalidApiVersion", "Unsupported api-version.");
        }

        if (await RefusalAsync(context) is { } failure)
        {
            return failure;
        }

        var request = JsonNode.Parse(body) as JsonObject;
        if (!Guid.TryParse((string?)request?["channelRegistrationId"], out var channel) || request!["to"] is not JsonArray { Count: 1 } to || (string?)to[0] is not { Length: > 0 } number)
        {
            return Error(400, "BadRequest", "channelRegistrationId (a GUID) and to (one recipient) are required.");
        }

        if (channel != WhatsAppChannelId)
        {
            return Error(404, "NotFound", "The channel registration does not exist.");
        }

        if (number.StartsWith('+') || !number.All(char.IsAsciiDigit))
        {
            return Error(400, "InvalidRecipient", "The recipient must be a WhatsApp number (digits with country code, no plus).");
        }

        var kind = (string?)request["kind"];
        string? text = null, template = null, language = null;
        var parameters = new List<string>();
        switch (kind)
        {
            case "text":
                text = (string?)request["content"];
                if (string.IsNullOrEmpty(text))
                {
                    return Error(400, "BadRequest", "content is required for a text message.");
                }

                break;
            case "template":
                var t = request["template"] as JsonObject;
                (template, language) = ((string?)t?["name"], (string?)t?["language"]);
                if (template is null || language is null || !ApprovedTemplates.TryGetValue((template, language), out var count))
                {
                    return Error(400, "TemplateNotFound", $"No approved template '{template}' in '{language}'.");
                }

                var values = (t!["values"] as JsonArray ?? []).OfType<JsonObject>().ToDictionary(v => (string)v["name"]!, v => (string?)v["text"]);
                foreach (var binding in (t["bindings"]?["body"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    if (!values.TryGetValue((string?)binding["refValue"] ?? "", out var value) || value is null)
                    {
                        return Error(400, "BadRequest", $"Binding '{binding["refValue"]}' names no text value.");
                    }

                    parameters.Add(value);
                }

                if ((string?)t["bindings"]?["kind"] != "whatsApp" || parameters.Count != count)
                {
                    return Error(400, "TemplateParameterMismatch", $"Template '{template}' takes {count} body parameters; got {parameters.Count}.");
                }

                break;
            default:
                return Error(400, "BadRequest", $"kind '{kind}' is not supported here.");
        }

        var id = context.Request.Headers["Repeatability-Request-ID"].FirstOrDefault();
        var firstSent = context.Request.Headers["Repeatability-First-Sent"].FirstOrDefault();
        if (id is not null && _repeatableWhatsApp.TryGetValue(id, out var earlier))
        {
            if (earlier.FirstSent != firstSent)
            {
                return Error(400, "RepeatabilityRejected", "Repeatability-Request-ID reused with another Repeatability-First-Sent.");
            }

            context.Response.Headers["Repeatability-Result"] = "accepted";
            return Results.Json(earlier.Result.DeepClone(), statusCode: 202);
        }

        var messageId = Guid.NewGuid().ToString("D");
        var outside = kind == "text" && !(_wrote.TryGetValue(number, out var wrote) && DateTimeOffset.UtcNow - wrote < TimeSpan.FromHours(24));
        var result = new JsonObject { ["receipts"] = new JsonArray(new JsonObject { ["messageId"] = messageId, ["to"] = number }) };
        if (id is not null)
        {
            _repeatableWhatsApp[id] = (firstSent ?? "", result);
            context.Response.Headers["Repeatability-Result"] = "accepted";
        }

        WhatsApp.Enqueue(new WhatsAppDelivery(number, kind!, text, template, language, parameters, messageId, outside));
        return Results.Json(result.DeepClone(), statusCode: 202);
    }

    /// <summary>A stall, then a queued or random whole-request failure, if any is due.</summary>
    private async Task<IResult?> RefusalAsync(HttpContext context)
    {
        var stalledUntil = new DateTimeOffset(Interlocked.Read(ref _stalledUntilTicks), TimeSpan.Zero);
        if (stalledUntil > DateTimeOffset.UtcNow)
        {
            try
            {
                await Task.Delay(stalledUntil - DateTimeOffset.UtcNow, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The caller gave up on the hung request: it never reached the service.
                return Results.Empty;
            }
        }

        var status = NextStatuses.TryDequeue(out var queued) ? queued : Faults?.Draw() ?? 0;
        if (status == 0)
        {
            return null;
        }

        Interlocked.Increment(ref _refused);
        context.Response.Headers.RetryAfter = "1";
        return Error(status, status == 429 ? "TooManyRequests" : "ServiceUnavailable", "Try again later.");
    }

    /// <summary>Checks the request exactly as ACS does; returns the body, or a 401 when the signature is wrong.</summary>
    private async Task<(byte[] Body, IResult? Refusal)> AuthenticateAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue($"{request.Method} {request.Path}");
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var date = request.Headers["x-ms-date"].ToString();
        var hash = request.Headers["x-ms-content-sha256"].ToString();
        var authorization = request.Headers.Authorization.ToString();
        const string prefix = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=";
        var expected = AcsHmacPolicy.Sign(Key, request.Method, request.Path + request.QueryString, date, request.Host.Value!, hash);
        var valid = date.Length > 0
            && hash == Convert.ToBase64String(SHA256.HashData(body))
            && authorization.StartsWith(prefix, StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(authorization[prefix.Length..]), Encoding.ASCII.GetBytes(expected));
        if (valid)
        {
            return (body, null);
        }

        Interlocked.Increment(ref _unauthorized);
        return (body, Error(401, "Denied", "Denied by the HMAC authentication policy."));
    }

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

/// <summary>A WhatsApp message the double accepted: text or template (with its rendered parameters), and whether free text went outside the window.</summary>
public sealed record WhatsAppDelivery(string To, string Kind, string? Text, string? Template, string? Language, IReadOnlyList<string> Parameters, string MessageId, bool OutsideWindow);

/// <summary>Shares of requests refused at random: <paramref name="throttled"/> with 429, <paramref name="failed"/> with 503 or 500.</summary>
public sealed class AcsFaults(double throttled, double failed, int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>0 to let the request through, else the status to answer.</summary>
    public int Draw()
    {
        double roll;
        lock (_random)
        {
            roll = _random.NextDouble();
        }

        return roll < throttled ? 429 : roll < throttled + failed ? (roll < throttled + failed / 2 ? 503 : 500) : 0;
    }
}
