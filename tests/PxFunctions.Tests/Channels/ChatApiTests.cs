using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels;
using PxFunctions.Channels.Chat;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Configuration;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Channels;

/// <summary>The web chat's HTTP API on the real app (Azurite, the Durable engine): sessions from signed links, validation, limits, keywords, replies.</summary>
public sealed class ChatApiTests(StorageFixture storage)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task OpenSession_FromASignedLink_RecordsWebchatConsent_TamperedOrMissingTokensAre401()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, settings: new Dictionary<string, string?> { [SettingNames.ChatAllowedOrigins] = "https://shop.example" });
        var customer = "shop.example|chat-" + Guid.NewGuid().ToString("N")[..8];
        Assert.False((await h.Consent.GetAsync(ContactChannel.WebChat, customer, None)).Service);

        var (token, url) = await ChatClient.LinkAsync(h.Host, customerId: customer);
        Assert.StartsWith("https://px.glowlabs.example/api/chat#t=", url, StringComparison.Ordinal);
        Assert.DoesNotContain(customer, url, StringComparison.Ordinal);
        var session = await ChatClient.SessionAsync(h.Host, token);
        Assert.True((await h.Consent.GetAsync(ContactChannel.WebChat, customer, None)).Service);
        Assert.Contains(await h.Consent.HistoryAsync(ContactChannel.WebChat, customer, None), c => c.Action == ConsentAction.ServiceGranted && c.Source == "chat opened");
        Assert.Empty(await ChatClient.LinesAsync(h.Host, session));

        // A link token with one character changed, a session token used as a link, a link token used as a session, none at all.
        var tampered = token[..10] + (token[10] == 'A' ? 'B' : 'A') + token[11..];
        foreach (var bad in new[] { tampered, session })
        {
            using var refused = await ChatClient.RawAsync(h.Host, HttpMethod.Post, "/api/chat/sessions", new JsonObject { ["token"] = bad });
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await ChatClient.SendAsync(h.Host, HttpMethod.Get, "/api/chat/messages", null, token)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ChatClient.SendAsync(h.Host, HttpMethod.Get, "/api/chat/messages", null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ChatClient.PostAsync(h.Host, session[..^2] + "xx", Guid.NewGuid().ToString(), "hello")).Status);

        // Expired: the session lasts 12 hours.
        h.Clock.Advance(ChatTokens.SessionLifetime + TimeSpan.FromMinutes(1));
        var (expired, problem) = await ChatClient.SendAsync(h.Host, HttpMethod.Get, "/api/chat/messages", null, session);
        Assert.Equal(HttpStatusCode.Unauthorized, expired);
        Assert.Equal("token", (string?)problem!["field"]);

        // CORS: a listed brand origin gets its preflight answered; another origin does not.
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/chat/messages");
        preflight.Headers.Add("Origin", "https://shop.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        using var allowed = await h.Host.Client.SendAsync(preflight, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal("https://shop.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("authorization", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);
        using var other = new HttpRequestMessage(HttpMethod.Options, "/api/chat/sessions");
        other.Headers.Add("Origin", "https://evil.example");
        other.Headers.Add("Access-Control-Request-Method", "POST");
        using var refusedOrigin = await h.Host.Client.SendAsync(other, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, refusedOrigin.StatusCode);
        Assert.False(refusedOrigin.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task SendMessage_EmptyOrTooLongText_Is400NamingText_OverTheLimitIs429WithRetryAfter()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow);
        var customer = "shop.example|chat-" + Guid.NewGuid().ToString("N")[..8];
        var session = await ChatClient.SessionAsync(h.Host, (await ChatClient.LinkAsync(h.Host, customerId: customer)).Token);

        foreach (var text in new[] { "", "   ", new string('a', ChatApi.MaxTextLength + 1) })
        {
            using var response = await ChatClient.RawAsync(h.Host, HttpMethod.Post, "/api/chat/messages", new JsonObject { ["id"] = Guid.NewGuid().ToString(), ["text"] = text }, session);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("text", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["field"]);
        }

        Assert.Equal("id", (string?)(await ChatClient.PostAsync(h.Host, session, "not an id!", "hello")).Body!["field"]);
        Assert.Empty(await ChatClient.LinesAsync(h.Host, session));

        // 20 messages a minute (the three refused above counted too), then 429 with Retry-After; a minute later, again.
        var accepted = 0;
        HttpResponseMessage? limited = null;
        for (var i = 0; i < ChatRateLimiter.MessagesPerMinute + 1 && limited is null; i++)
        {
            var response = await ChatClient.RawAsync(h.Host, HttpMethod.Post, "/api/chat/messages", new JsonObject { ["id"] = Guid.NewGuid().ToString(), ["text"] = "hello " + i }, session);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                accepted++;
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        Assert.Equal(ChatRateLimiter.MessagesPerMinute - 4, accepted);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is { TotalSeconds: >= 1 and <= 60 }, $"Retry-After was {retryAfter}");
        limited.Dispose();
        Assert.Equal(accepted, (await ChatClient.LinesAsync(h.Host, session)).Count(l => (string?)l["author"] == "customer"));

        // Polls have their own limit (two polls above).
        var polls = 2;
        HttpStatusCode status;
        while ((status = (await ChatClient.SendAsync(h.Host, HttpMethod.Get, "/api/chat/messages", null, session)).Status) == HttpStatusCode.OK)
        {
            polls++;
            Assert.True(polls <= ChatRateLimiter.PollsPerMinute, "polls were never limited");
        }

        Assert.Equal((HttpStatusCode.TooManyRequests, ChatRateLimiter.PollsPerMinute), (status, polls));
        h.Clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.Accepted, (await ChatClient.PostAsync(h.Host, session, Guid.NewGuid().ToString(), "again")).Status);
    }

    [Fact]
    public async Task SendMessage_SameIdTwice_IsOneLineAndOneReply_TheJourneyGoesOn()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true);
        var journey = "chat-api-" + Guid.NewGuid().ToString("N")[..6];
        await ChatClient.PublishAsync(h.Host, ChatClient.RatingJourney(journey));
        var customer = "shop.example|chat-" + Guid.NewGuid().ToString("N")[..8];
        // The customer opened the chat on the brand's site before the journey began (service consent on webchat).
        var session = await ChatClient.SessionAsync(h.Host, (await ChatClient.LinkAsync(h.Host, customerId: customer)).Token);
        var id = await ChatClient.StartAsync(h.Host, journey, customer, "Maya");

        await Eventually.TrueAsync(async () => (await ChatClient.LinesAsync(h.Host, session)).Any(l => (string?)l["text"] == "Hi Maya, how is your serum? Reply 1-5"), "the question in the chat", 90_000);
        await Eventually.TrueAsync(async () => await Infrastructure.Journeys.GetAsync(h.Host.Services, id) is { CustomStatus: { } s } && (string?)JsonNode.Parse(s)!["waitingFor"] == "reply", "the journey waiting for the answer", 90_000);

        var messageId = Guid.NewGuid().ToString();
        var first = await ChatClient.PostAsync(h.Host, session, messageId, "5");
        var again = await ChatClient.PostAsync(h.Host, session, messageId, "5");
        Assert.Equal((HttpStatusCode.Accepted, "routed"), (first.Status, (string?)first.Body!["outcome"]));
        Assert.Equal(HttpStatusCode.Accepted, again.Status);

        await Eventually.TrueAsync(async () => await Infrastructure.Journeys.GetAsync(h.Host.Services, id) is { Status: InstanceStatus.Completed }, "the journey to end", 90_000);
        var output = JsonNode.Parse((await Infrastructure.Journeys.GetAsync(h.Host.Services, id))!.Output!)!;
        Assert.Equal(("rated", 5), ((string?)output["outcome"], (int?)output["answers"]!["score"]));
        var lines = await ChatClient.LinesAsync(h.Host, session);
        Assert.Single(lines, l => (string?)l["author"] == "customer");
        Assert.Equal(["journey", "customer", "journey"], lines.Select(l => (string?)l["author"]));
        Assert.Equal("Thanks for the 5, Maya!", (string?)lines[^1]["text"]);

        var totals = await TotalsAsync(h, journey);
        Assert.Equal((1.0, 1.0), (totals["replies"]!.GetValue<double>(), totals["replies_webchat"]!.GetValue<double>()));
    }

    [Fact]
    public async Task SendMessage_Stop_OptsOutOfWebchat_WithOneConfirmation_ThenAJourneyMessageIsNotWritten()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow);
        var customer = "shop.example|chat-" + Guid.NewGuid().ToString("N")[..8];
        var session = await ChatClient.SessionAsync(h.Host, (await ChatClient.LinkAsync(h.Host, customerId: customer)).Token);

        var before = h.Effect(customer, channels: ["webchat"], instanceId: "chat-inst-" + customer[^8..]);
        before = before with { Message = before.Message with { WebChat = new ChatContent("Before the stop") } };
        Assert.Equal(MessageStatus.Sent, (await h.Sender.SendAsync(before, None)).Status);

        var stop = Guid.NewGuid().ToString();
        var (status, body) = await ChatClient.PostAsync(h.Host, session, stop, "STOP");
        Assert.Equal((HttpStatusCode.Accepted, "optedOut"), (status, (string?)body!["outcome"]));
        await ChatClient.PostAsync(h.Host, session, stop, "STOP");
        Assert.True((await h.Consent.GetAsync(ContactChannel.WebChat, customer, None)).OptedOut);

        var after = h.Effect(customer, channels: ["webchat"], instanceId: "chat-inst-" + customer[^8..]);
        after = after with { Message = after.Message with { WebChat = new ChatContent("After the stop") } };
        Assert.NotEqual(MessageStatus.Sent, (await h.Sender.SendAsync(after, None)).Status);

        var lines = await ChatClient.LinesAsync(h.Host, session);
        Assert.Equal(["Before the stop", "STOP", "Glow Labs: you will get no more messages here. Send START to resume."], lines.Select(l => (string?)l["text"]));

        var totals = await TotalsAsync(h, null);
        Assert.True(totals["opt_outs_webchat"]!.GetValue<double>() >= 1, "the opt-out was not counted on webchat: " + totals.ToJsonString());
    }

    private static async Task<JsonNode> TotalsAsync(ChannelHarness h, string? journey)
    {
        var today = h.Clock.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        return (await TestCustomers.AdminJsonAsync(h.Host, $"/api/admin/metrics?from={today}&to={today}" + (journey is null ? "" : "&journey=" + journey)))["totals"]!;
    }
}
