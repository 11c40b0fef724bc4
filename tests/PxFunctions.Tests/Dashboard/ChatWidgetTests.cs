using System.Text.Json.Nodes;
using Microsoft.Playwright;
using PxFunctions.Channels.Compliance;
using PxFunctions.Journeys.Durable;
using PxFunctions.Tests.Channels;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Dashboard;

/// <summary>
/// The web chat's "done when", in headless Chromium against the real app (the Durable engine, the dispatcher, Azurite):
/// a customer opens the chat from a signed link, the journey's question appears in the widget, the customer's reply
/// reaches the journey, which moves on and answers in the widget. Screenshot: <c>{test output}/screenshots/chat.png</c>.
/// </summary>
public sealed class ChatWidgetTests(StorageFixture storage)
{
    [Fact]
    public async Task Widget_ShowsTheJourneysQuestion_SendsTheReply_TheJourneyReceivesItAndAnswers()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true);
        var journey = "chat-widget-" + Guid.NewGuid().ToString("N")[..6];
        await ChatClient.PublishAsync(h.Host, ChatClient.RatingJourney(journey));
        var customer = "shop.example|chat-" + Guid.NewGuid().ToString("N")[..8];
        var (_, url) = await ChatClient.LinkAsync(h.Host, customerId: customer);
        var path = new Uri(url).PathAndQuery + new Uri(url).Fragment;
        Assert.StartsWith("/api/chat#t=", path, StringComparison.Ordinal);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DashboardApp.LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = h.Host.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 480, Height = 760 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) => { if (m.Type == "error") { errors.Add(m.Text); } };
        var requested = new List<string>();
        page.Request += (_, r) => requested.Add(r.Url);

        // The customer opens the chat (the link's token is in the fragment): the session records their consent.
        await page.GotoAsync(path);
        await Eventually.TrueAsync(async () => (await h.Consent.GetAsync(ContactChannel.WebChat, customer, CancellationToken.None)).Service, "the chat opened (webchat consent)", 30_000);
        Assert.Equal("", new Uri(page.Url).Fragment);

        // The journey begins and asks in the chat.
        var id = await ChatClient.StartAsync(h.Host, journey, customer, "Ivy");
        var lines = page.Locator("[data-px-chat] li.line");
        await Assertions.Expect(lines.Filter(new LocatorFilterOptions { HasText = "Hi Ivy, how is your serum? Reply 1-5" })).ToHaveCountAsync(1, new LocatorAssertionsToHaveCountOptions { Timeout = 90_000 });
        await Assertions.Expect(page.Locator("[data-px-chat] li.from-journey")).ToHaveCountAsync(1);
        await Eventually.TrueAsync(async () => await Infrastructure.Journeys.GetAsync(h.Host.Services, id) is { CustomStatus: { } s } && (string?)JsonNode.Parse(s)!["waitingFor"] == "reply", "the journey waiting for the answer", 90_000);

        // Ivy answers in the widget.
        await page.Locator("[data-px-chat] textarea[name=text]").FillAsync("5, love it");
        await page.Locator("[data-px-chat] button.send").ClickAsync();
        await Assertions.Expect(page.Locator("[data-px-chat] li.from-customer")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^5, love it"));
        await Assertions.Expect(page.Locator("[data-px-chat] textarea[name=text]")).ToHaveValueAsync("");

        // The journey received it (it recorded the score and ended) and its answer shows in the widget.
        await Eventually.TrueAsync(async () => await Infrastructure.Journeys.GetAsync(h.Host.Services, id) is { Status: InstanceStatus.Completed }, "the journey to receive the reply and end", 90_000);
        var output = JsonNode.Parse((await Infrastructure.Journeys.GetAsync(h.Host.Services, id))!.Output!)!;
        Assert.Equal(("rated", 5), ((string?)output["outcome"], (int?)output["answers"]!["score"]));
        await Assertions.Expect(lines.Last).ToContainTextAsync("Thanks for the 5, Ivy!", new LocatorAssertionsToContainTextOptions { Timeout = 60_000 });
        Assert.Equal(["journey", "customer", "journey"], await lines.EvaluateAllAsync<string[]>("els => els.map(e => e.getAttribute('data-author'))"));
        await DashboardApp.ScreenshotAsync(page, "chat");

        // No personal data or token in any URL the page asked for; nothing failed in the page.
        Assert.DoesNotContain(requested, u => u.Contains("#t=", StringComparison.Ordinal) || u.Contains("chat-", StringComparison.Ordinal) || u.Contains("Ivy", StringComparison.Ordinal));
        Assert.Contains(requested, u => u.Contains("/api/chat/messages", StringComparison.Ordinal));
        Assert.Empty(errors);
    }
}
