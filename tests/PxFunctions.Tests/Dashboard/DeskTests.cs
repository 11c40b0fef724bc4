using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PxFunctions.Journeys.Durable;
using PxFunctions.Tests.Desk;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Dashboard;

/// <summary>
/// The "done when", in headless Chromium against the real app (the Durable engine, the dispatcher, the ACS
/// double): a coffee-machine customer reports a leak by SMS and is handed to a person; an agent opens the Desk page,
/// sees the conversation, takes it, notes it, answers (the customer gets the SMS) and closes it; the journey goes on
/// with the warranty question. Screenshot: <c>{test output}/screenshots/desk.png</c>.
/// </summary>
public sealed class DeskTests(StorageFixture storage)
{
    private const string Phone = "+14155550181";

    [Fact]
    public async Task Desk_AgentAnswersAndClosesALeakHandoff_CustomerGetsTheSms_JourneyGoesOn()
    {
        await using var h = await DeskHarness.StartAsync(storage);
        var id = await DeskHarness.LeakAsync(h, "Ivy", Phone);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DashboardApp.LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = h.Host.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1360, Height = 900 } });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        var asked = new List<string>();
        var accept = false;
        page.Dialog += (_, dialog) =>
        {
            asked.Add(dialog.Message);
            _ = accept ? dialog.AcceptAsync() : dialog.DismissAsync();
        };

        await page.GotoAsync("/dashboard/login");
        await page.FillAsync("#key", AppHost.AdminKey);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/dashboard");
        await Assertions.Expect(page.Locator("main#page[data-ready=overview]")).ToHaveCountAsync(1);

        // The list: Ivy, the journey and where it is, why, the SLA clock running, nobody on it yet.
        await page.ClickAsync("nav a[data-page=desk]");
        var row = page.Locator("#desk-table tbody tr", new PageLocatorOptions { HasText = "Ivy" });
        await Assertions.Expect(row).ToContainTextAsync("coffee-machine v1");
        await Assertions.Expect(row).ToContainTextAsync("Unboxing · leak-handoff");
        await Assertions.Expect(row).ToContainTextAsync("Water or leak reported during setup");
        await Assertions.Expect(row).ToContainTextAsync("unassigned");
        await Assertions.Expect(row.Locator(".sla.sla-ok")).ToContainTextAsync("left");

        // The conversation: the journey's question, Ivy's "my machine leaks", the acknowledgement.
        await row.Locator("a.desk-open").ClickAsync();
        var conversation = page.Locator("#desk-conversation");
        await Assertions.Expect(conversation.Locator(".msg.from-journey").First).ToContainTextAsync("Hi Ivy! How's setup going with your Barista Pro?");
        await Assertions.Expect(conversation.Locator(".msg.from-customer")).ToContainTextAsync("my machine leaks");
        await Assertions.Expect(conversation).ToContainTextAsync("Sorry to hear that. Please unplug the machine; a technician from Glow Labs will text you shortly.");
        // In time order: the question, Ivy's answer, the acknowledgement.
        Assert.Equal(["journey", "customer", "journey"], (await conversation.Locator(".msg").EvaluateAllAsync<string[]>("els => els.map(e => e.className.replace('msg from-', ''))")).Take(3));
        await Assertions.Expect(page.Locator("#desk-head")).ToContainTextAsync(Phone);
        await Assertions.Expect(page.Locator("#desk-reply select[name=channel]")).ToHaveValueAsync("sms");

        // Take it, note it, answer it.
        await page.FillAsync("#desk-filters input[name=agent]", "Dana");
        await page.Locator("#desk-filters input[name=agent]").DispatchEventAsync("change");
        await page.ClickAsync("#assign-me");
        await Assertions.Expect(page.Locator("#desk-result")).ToHaveTextAsync("Assigned to you.");
        await Assertions.Expect(page.Locator("#desk-head")).ToContainTextAsync("assigned to Dana");
        await Assertions.Expect(row).ToContainTextAsync("Dana");
        await page.FillAsync("#desk-note textarea[name=text]", "Gasket replacement ordered, courier tomorrow");
        await page.ClickAsync("#desk-note button[type=submit]");
        await Assertions.Expect(conversation.Locator(".msg.from-note")).ToContainTextAsync("Gasket replacement ordered, courier tomorrow");
        await Assertions.Expect(conversation.Locator(".msg.from-note")).ToContainTextAsync("Note by Dana");
        await page.FillAsync("#desk-reply textarea[name=text]", "So sorry, Ivy! A new gasket is on its way; keep the machine unplugged until then.");
        await page.ClickAsync("#desk-reply button[type=submit]");
        await Assertions.Expect(page.Locator("#desk-result")).ToHaveTextAsync("Reply sent.");
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == Phone && s.Message == "So sorry, Ivy! A new gasket is on its way; keep the machine unplugged until then."), "the agent's answer at the customer's phone", 60_000);
        await Assertions.Expect(conversation.Locator(".msg.from-agent")).ToContainTextAsync("A new gasket is on its way", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
        await Assertions.Expect(row.Locator(".sla")).ToHaveTextAsync("answered", new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
        Assert.DoesNotContain(h.Acs.Sms, s => s.Message.Contains("Gasket replacement ordered", StringComparison.Ordinal));
        await DashboardApp.ScreenshotAsync(page, "desk");

        // Close: asked first; dismissed, nothing happens; accepted, the handoff closes and the journey goes on.
        await page.ClickAsync("#close-handoff");
        await Assertions.Expect(page.Locator("#desk-result")).ToHaveTextAsync("Not closed.");
        accept = true;
        await page.ClickAsync("#close-handoff");
        await Assertions.Expect(page.Locator("#desk-result")).ToHaveTextAsync("Closed: the journey goes on.");
        await Assertions.Expect(page.Locator("#desk-head")).ToContainTextAsync("closed");
        await Assertions.Expect(page.Locator("#desk-list")).Not.ToContainTextAsync("Ivy");
        Assert.Equal(2, asked.Count);
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == Phone && s.Message.StartsWith("Want us to register your 2-year warranty", StringComparison.Ordinal)), "the warranty question at the customer's phone", 60_000);
        await Eventually.TrueAsync(
            async () => await Infrastructure.Journeys.GetAsync(h.Host.Services, id) is { CustomStatus: { } status } && (string?)JsonNode.Parse(status)!["step"] == "warranty",
            "the journey's custom status at the warranty step",
            60_000);
        await Assertions.Expect(page.Locator("#desk-journey")).ToContainTextAsync("warranty", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });

        Assert.Empty(errors);
        await h.Host.Services.GetRequiredService<IJourneyInstances>().TerminateAsync(id, "test over", CancellationToken.None);
    }
}
