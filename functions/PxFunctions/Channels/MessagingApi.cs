using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Inbound;
using PxFunctions.Configuration;
using PxFunctions.Http;

namespace PxFunctions.Channels;

/// <summary>
/// The rest of two-way messaging over HTTP: the dev outbox and simulated replies (only while the dev outbox is the
/// channel), the inbound-email webhook, and admin views of a customer's messages and consent.
/// </summary>
public static partial class MessagingApi
{
    public sealed record DevReply(string? From, string? Text);

    public sealed record InboundEmail(string? From, string? To, string? Subject, string? Text, string? MessageId);

    public static IEndpointRouteBuilder MapMessagingApi(this IEndpointRouteBuilder endpoints, ChannelSettings settings)
    {
        if (!settings.UsesAcs)
        {
            endpoints.MapGet("/api/dev/outbox", async (DevOutboxChannel outbox, int? top, CancellationToken ct) =>
                Results.Ok(await outbox.ListAsync(Math.Clamp(top ?? 50, 1, 500), ct))).WithName("DevOutbox").RequireFunctionKey();
            endpoints.MapPost("/api/dev/replies", DevReplyAsync).WithName("DevReply").RequireFunctionKey();
        }

        endpoints.MapPost("/api/events/email", InboundEmailAsync).WithName("InboundEmail").AllowAnonymousFunction();
        endpoints.MapGet("/api/admin/messages", async (string? customer, MessageLog log, CancellationToken ct) =>
            string.IsNullOrWhiteSpace(customer)
                ? Problems.BadRequest("customer", "is required: c:{customerId}, or a:{address} for messages to an address without a customer.")
                : Results.Ok(await log.ForCustomerAsync(customer, ct))).WithName("ListMessages").RequireFunctionKey();
        endpoints.MapGet("/api/admin/consent", ConsentAsync).WithName("GetConsent").RequireFunctionKey();
        return endpoints;
    }

    /// <summary>Simulates an inbound SMS: the same path as an ACS <c>SMSReceived</c> event.</summary>
    private static async Task<IResult> DevReplyAsync(DevReply? reply, InboundSmsHandler sms, TimeProvider time, CancellationToken ct)
    {
        var from = E164.Of(reply?.From);
        if (from is null)
        {
            return Problems.BadRequest("from", $"'{reply?.From}' is not a phone number (E.164, such as +14155550123).");
        }

        if (string.IsNullOrWhiteSpace(reply!.Text))
        {
            return Problems.BadRequest("text", "is required.");
        }

        var outcome = await sms.HandleAsync(from, reply.Text, "dev-" + Guid.NewGuid().ToString("N"), time.GetUtcNow(), ct);
        return Results.Accepted(value: outcome);
    }

    /// <summary>
    /// A parsed inbound email (from an inbound-mail service), signed with <c>X-Px-Signature</c> (base64 HMAC-SHA256 of
    /// the body with <c>Px__InboundEmailSecret</c>). Quoted history is stripped; "unsubscribe" opts the address out;
    /// anything else is a reply for the journey that wrote to that address.
    /// </summary>
    private static async Task<IResult> InboundEmailAsync(HttpRequest request, ChannelSettings settings, PxSettings app, ReplyRouter router, ConsentLedger consent, TimeProvider time, CancellationToken ct)
    {
        var (body, tooLarge) = await RequestBody.ReadAsync(request, ct);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        if (settings.InboundEmailSecret is { } secret)
        {
            var presented = request.Headers["X-Px-Signature"].ToString();
            var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected)))
            {
                return Problems.Status(StatusCodes.Status401Unauthorized, "The signature is not valid.", "X-Px-Signature must be the base64 HMAC-SHA256 of the body.", "X-Px-Signature");
            }
        }
        else if (!app.AllowAnonymousAdmin)
        {
            return Problems.Status(StatusCodes.Status401Unauthorized, "This webhook is not configured.", $"Set {SettingNames.InboundEmailSecret}.", "X-Px-Signature");
        }

        InboundEmail? email;
        try
        {
            email = JsonSerializer.Deserialize<InboundEmail>(body, JsonSerializerOptions.Web);
        }
        catch (JsonException ex)
        {
            return Problems.BadRequest("body", $"must be JSON {{from, to, subject, text}}: {ex.Message}");
        }

        var from = AddressOf(email?.From);
        if (from is null)
        {
            return Problems.BadRequest("from", $"'{email?.From}' is not an email address.");
        }

        var text = StripQuoted(email!.Text ?? "");
        var messageId = email.MessageId ?? Convert.ToHexString(SHA256.HashData(body))[..32];
        if (OptOutKeywords.Classify(email.Subject ?? "") == KeywordIntent.OptOut || OptOutKeywords.Classify(text) == KeywordIntent.OptOut)
        {
            await consent.RecordAsync(new ConsentChange(ContactChannel.Email, from, ConsentAction.OptedOut, time.GetUtcNow(), "email reply", text, "email:" + messageId), ct);
            return Results.Accepted(value: new InboundOutcome(InboundOutcome.OptedOut));
        }

        return Results.Accepted(value: await router.RouteAsync(ContactChannel.Email, from, text, "email:" + messageId, time.GetUtcNow(), ct));
    }

    private static async Task<IResult> ConsentAsync(string? channel, string? address, ConsentLedger consent, CancellationToken ct)
    {
        if (ContactChannels.Parse(channel) is not { } contact || contact == ContactChannel.WebChat)
        {
            return Problems.BadRequest("channel", "must be sms, whatsapp or email.");
        }

        var normalized = contact.IsPhone() ? E164.Of(address) : AddressOf(address);
        if (normalized is null)
        {
            return Problems.BadRequest("address", $"'{address}' is not a valid {(contact.IsPhone() ? "phone number" : "email address")}.");
        }

        return Results.Ok(new { state = await consent.GetAsync(contact, normalized, ct), history = await consent.HistoryAsync(contact, normalized, ct) });
    }

    /// <summary>The reply without the quoted history mail clients append ("On ... wrote:", "&gt;" lines, "-----Original Message-----").</summary>
    public static string StripQuoted(string text)
    {
        var lines = new List<string>();
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith('>') || QuoteHeader().IsMatch(trimmed))
            {
                break;
            }

            lines.Add(line);
        }

        return string.Join('\n', lines).Trim();
    }

    /// <summary>The bare address of <c>Maya &lt;maya@example.com&gt;</c>, lower-cased; null when there is none.</summary>
    public static string? AddressOf(string? from)
    {
        var match = from is null ? null : EmailPattern().Match(from);
        return match is { Success: true } ? match.Value.ToLowerInvariant() : null;
    }

    [GeneratedRegex(@"^(On .{3,200} wrote:|-{2,}\s*Original Message\s*-{2,}|From: .+|Le .{3,200} a écrit\s*:|El .{3,200} escribió:)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex QuoteHeader();

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")]
    private static partial Regex EmailPattern();
}
