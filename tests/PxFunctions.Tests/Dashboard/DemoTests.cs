using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Dashboard;

/// <summary>
/// The README's demo as a newcomer runs it: <c>dotnet PxFunctions.dll demo</c> (embedded Azurite, Development, the dev
/// outbox), watched through the dashboard's own data calls: within about a minute journeys start, texts go out,
/// customers answer, and journeys are seen running at their steps.
/// </summary>
public sealed class DemoTests
{
    private static readonly string RepoRoot = PxFunctions.Storage.EmbeddedAzurite.FindPackageRoot()!;

    [Fact]
    public async Task Demo_WithinAMinute_StartsJourneysThatSendAndGetAnswers_OnTheDashboard()
    {
        var port = AppHost.FreePort();
        using var app = AppProcess.Start(
            ["demo", "--urls", $"http://127.0.0.1:{port}"],
            new Dictionary<string, string?> { ["Px__EmbeddedStorage__InMemory"] = "true", ["Px__AdminKey"] = "" },
            RepoRoot);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        JsonNode? totals = null;

        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    // The dashboard is open in the demo (Development, no key): its gateway answers without a session.
                    using var response = await client.GetAsync($"/dashboard/data/admin/metrics?from={today}&to={today}&journey=demo-espresso");
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        return false;
                    }

                    totals = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["totals"];
                    return (double)totals!["journeys_started"]! >= 3 && (double)totals["questions_asked"]! >= 1 && (double)totals["replies"]! >= 1;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            "the demo's journeys to start, ask and be answered: " + app.Output,
            120_000);

        using var dashboard = await client.GetAsync("/dashboard", TestContext.Current.CancellationToken);
        var running = JsonNode.Parse(await client.GetStringAsync("/dashboard/data/admin/running?journey=demo-espresso", TestContext.Current.CancellationToken))!;
        using var outbox = await client.GetAsync("/dashboard/data/dev/outbox", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.True((double)totals!["messages_sent_sms"]! >= (double)totals["journeys_started"]! - 1, "each started journey sent its welcome (the newest may be on its way)");
        Assert.True((int)running["total"]! >= 1, running.ToJsonString());
        Assert.All(running["at"]!.AsArray(), r => Assert.Equal("demo-espresso", (string?)r!["journey"]));
        Assert.Equal(HttpStatusCode.OK, outbox.StatusCode);
        Assert.Contains("your espresso machine has arrived", await outbox.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains("Demo store open", app.Output, StringComparison.Ordinal);

        // What the newcomer sees: the overview and the demo journey's map, in headless Chromium (the README's screenshots).
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DashboardApp.LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = client.BaseAddress!.ToString(), ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/dashboard#/overview?journey=demo-espresso");
        await Assertions.Expect(page.Locator("#running-total .value")).Not.ToHaveTextAsync("0");
        await Assertions.Expect(page.Locator("#funnel")).ToContainTextAsync("welcome");
        await DashboardApp.ScreenshotAsync(page, "demo-overview");
        await page.GotoAsync("/dashboard#/journeys/demo-espresso/1");
        await Assertions.Expect(page.Locator("#journey-map g.step[data-step=welcome] text.through")).Not.ToHaveTextAsync("0 through");
        await DashboardApp.ScreenshotAsync(page, "demo-journey-map");
    }
}
