using Microsoft.Playwright;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Dashboard;

/// <summary>
/// Every dashboard page in headless Chromium against an app that ran real journeys (the Durable engine, the
/// dispatcher, the dev outbox): sign in, filter the overview, open a journey's map, simulate, reply from the dev
/// outbox, open the customer, erase one. Screenshots: <c>{test output}/screenshots/*.png</c>.
/// </summary>
public sealed class DashboardTests(StorageFixture storage)
{
    private const string Ann = "+14155550141";
    private const string Bob = "+14155550142";

    [Fact]
    public async Task Dashboard_AfterRealJourneys_ShowsEveryPageAndTakesAReply()
    {
        await using var host = await DashboardApp.StartAsync(storage);
        await DashboardApp.PublishAsync(host);
        await DashboardApp.StartJourneyAsync(host, "Ann", Ann);
        var bob = await DashboardApp.StartJourneyAsync(host, "Bob", Bob);
        await Eventually.TrueAsync(async () => (await DashboardApp.OutboxAsync(host)).Count >= 2, "both questions in the dev outbox", 60_000);
        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var from = DateTimeOffset.UtcNow.AddDays(-10).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.TrueAsync(
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/admin/metrics?from={from}&to={today}");
                request.Headers.Add("x-functions-key", AppHost.AdminKey);
                using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
                return response.IsSuccessStatusCode
                    && System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))?["totals"]?["messages_sent"]?.GetValue<double>() == 2;
            },
            "the two questions counted in the metrics",
            60_000);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DashboardApp.LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);

        // Login: the page asks for the key, a wrong one is refused, the right one opens the overview.
        await page.GotoAsync("/dashboard");
        Assert.EndsWith("/dashboard/login", page.Url, StringComparison.Ordinal);
        await page.FillAsync("#key", "not-the-admin-key-really");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator(".error")).ToHaveTextAsync("That is not the admin key.");
        await DashboardApp.ScreenshotAsync(page, "login");
        await page.FillAsync("#key", AppHost.AdminKey);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/dashboard");
        var cookie = Assert.Single(await context.CookiesAsync(), c => c.Name == "px_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        // Overview: the metrics the journeys made (two questions sent), with their definitions; the live count is real.
        await Assertions.Expect(page.Locator("#totals [data-metric=messages_sent] .value")).ToHaveTextAsync("2");
        await Assertions.Expect(page.Locator("#totals [data-metric=questions_asked] .value")).ToHaveTextAsync("2");
        Assert.False(string.IsNullOrEmpty(await page.Locator("#totals [data-metric=messages_sent]").GetAttributeAsync("title")));

        // By channel: both went by SMS; the other channels' rows are there at zero, and their parts are not tiles.
        await Assertions.Expect(page.Locator("#channels tbody tr")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("#channels tbody tr").Nth(0).Locator("td")).ToHaveTextAsync(["SMS", "2", "0", "0", "0", "0"]);
        await Assertions.Expect(page.Locator("#channels tbody tr").Nth(1).Locator("td").Nth(0)).ToHaveTextAsync("WhatsApp");
        await Assertions.Expect(page.Locator("#channels tbody tr").Nth(1).Locator("td").Nth(1)).ToHaveTextAsync("0");
        await Assertions.Expect(page.Locator("#totals [data-metric=messages_sent_sms]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#metrics-unavailable")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#running-total .value")).ToHaveTextAsync("2");
        await page.SelectOptionAsync("select[name=journey]", DashboardApp.JourneyId);
        await page.FillAsync("input[name=from]", from);
        await page.ClickAsync("#overview-filters button[type=submit]");
        await page.WaitForURLAsync("**journey=check-in**");
        Assert.Contains("from=" + from, page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("select[name=journey]")).ToHaveValueAsync(DashboardApp.JourneyId);
        await Assertions.Expect(page.Locator("#running-total .value")).ToHaveTextAsync("2");
        await DashboardApp.ScreenshotAsync(page, "overview");

        // Journeys: the list, then the map with both customers waiting at the question, then a simulation.
        await page.ClickAsync("nav a[data-page=journeys]");
        await Assertions.Expect(page.Locator("#journeys")).ToContainTextAsync("Check-in");
        await page.ClickAsync("a.journey-link");
        await Assertions.Expect(page.Locator("#journey-map g.step")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("#journey-map g.step[data-step=rate]")).ToHaveAttributeAsync("data-count", "2");
        await Assertions.Expect(page.Locator("#journey-map g.step[data-step=thanks]")).ToHaveAttributeAsync("data-count", "0");
        // Through: both journeys asked the rating question (the funnel), none has thanked yet.
        await Assertions.Expect(page.Locator("#journey-map g.step[data-step=rate] text.through")).ToHaveTextAsync("2 through");
        await Assertions.Expect(page.Locator("#journey-map g.step[data-step=thanks] text.through")).ToHaveTextAsync("0 through");
        await Assertions.Expect(page.Locator("#journey-map")).ToContainTextAsync("reply within P1D");
        await Assertions.Expect(page.Locator("#journey-map")).ToContainTextAsync("Unboxing");
        await Assertions.Expect(page.Locator("#journey-map")).ToContainTextAsync("no reply");
        await Assertions.Expect(page.Locator("#here-now")).ToContainTextAsync("2 journey(s)");
        await page.ClickAsync("#simulate button[type=submit]");
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync("How is it, Sam? Reply 1-5");
        await DashboardApp.ScreenshotAsync(page, "journey-map");

        // Operations: the dev outbox; reply as Ann, and her thanks arrives.
        await page.ClickAsync("nav a[data-page=operations]");
        await Assertions.Expect(page.Locator("#poison")).ToContainTextAsync("No poison messages.");
        await Assertions.Expect(page.Locator("#rejected-webhooks")).ToContainTextAsync("No rejected webhooks.");
        await Assertions.Expect(page.Locator("#failed-sends")).ToContainTextAsync("No failed sends.");
        var annRow = page.Locator("#outbox-table tr", new PageLocatorOptions { HasText = Ann });
        await Assertions.Expect(annRow).ToContainTextAsync("How is it, Ann? Reply 1-5");
        await annRow.Locator("input[name=text]").FillAsync("5");
        await annRow.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(annRow.Locator(".reply-result")).ToContainTextAsync("Replied");
        await Eventually.TrueAsync(async () => (await DashboardApp.OutboxAsync(host)).Any(m => m.Text == "Thanks for the 5, Ann!"), "Ann's thanks", 60_000);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#outbox-table")).ToContainTextAsync("Thanks for the 5, Ann!");
        await DashboardApp.ScreenshotAsync(page, "operations");

        // Customers: Ann by phone (posted, never in the URL): what she told us, then messages, her reply, consent, the finished journey.
        await page.ClickAsync("nav a[data-page=customers]");
        await page.FillAsync("input[name=query]", Ann);
        await page.ClickAsync("#find-customer button[type=submit]");
        var told = page.Locator("#customer-profile");
        await Assertions.Expect(told.Locator("h2")).ToHaveTextAsync("What they told us");
        var score = page.Locator("#profile-answers tbody tr", new PageLocatorOptions { HasText = "Score" });
        await Assertions.Expect(score.Locator("td").Nth(1)).ToHaveTextAsync("5");
        await Assertions.Expect(score).ToContainTextAsync("check-in / rate");
        await Assertions.Expect(score).ToContainTextAsync("reply “5”");
        await Assertions.Expect(page.Locator("#profile-preferences")).ToContainTextAsync("SMS +1415•••0141");
        await Assertions.Expect(page.Locator("#profile-preferences")).ToContainTextAsync("service only");
        await Assertions.Expect(page.Locator("#profile-preferences")).ToContainTextAsync("consent ledger (checkout)");
        await Assertions.Expect(page.Locator("#profile-preferences")).ToContainTextAsync("Locale");
        await Assertions.Expect(page.Locator("#profile-products")).ToContainTextAsync("Glow Serum SKU-1");
        await Assertions.Expect(page.Locator("#profile-products")).ToContainTextAsync("Usage");
        await Assertions.Expect(page.Locator("#profile-products")).ToContainTextAsync("Score: 5");
        Assert.DoesNotContain("4155550141", await told.InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await told.EvaluateAsync<bool>("e => e.compareDocumentPosition(document.getElementById('customer-answers')) === Node.DOCUMENT_POSITION_FOLLOWING"));
        await Assertions.Expect(page.Locator("#customer-messages")).ToContainTextAsync("Thanks for the 5, Ann!");
        await Assertions.Expect(page.Locator("#customer-messages")).ToContainTextAsync("How is it, Ann? Reply 1-5");
        await Assertions.Expect(page.Locator("#customer-answers td").Last).ToHaveTextAsync("5");
        await Assertions.Expect(page.Locator("#customer-consent")).ToContainTextAsync("service");
        await Assertions.Expect(page.Locator("#customer-consent")).ToContainTextAsync("checkout");
        await Assertions.Expect(page.Locator("#customer-journeys")).ToContainTextAsync("Completed");
        Assert.DoesNotContain("4155550141", page.Url, StringComparison.Ordinal);
        await DashboardApp.ScreenshotAsync(page, "customer");

        // Bob by id: erase asks first; cancelled, nothing is sent; accepted, the erasure is posted.
        await page.FillAsync("input[name=query]", bob);
        await page.ClickAsync("#find-customer button[type=submit]");
        await Assertions.Expect(page.Locator("#customer-key")).ToHaveTextAsync("c:" + bob);
        await Assertions.Expect(page.Locator("#customer-journeys")).ToContainTextAsync("Running");
        var accept = false;
        var asked = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            asked.Add(dialog.Message);
            _ = accept ? dialog.AcceptAsync() : dialog.DismissAsync();
        };
        await page.ClickAsync("#erase");
        await Assertions.Expect(page.Locator("#customer-action")).ToHaveTextAsync("Erasure cancelled.");
        accept = true;
        await page.ClickAsync("#erase");
        // These journeys started without the storefront intake, so there is no customer profile to erase or
        // export: the buttons reach the API and show its answer.
        await Assertions.Expect(page.Locator("#customer-action")).ToContainTextAsync("Erasure failed");
        await page.ClickAsync("#export");
        await Assertions.Expect(page.Locator("#customer-action")).ToContainTextAsync("Export failed");
        Assert.Equal(2, asked.Count);
        Assert.All(asked, m => Assert.Contains("cannot be undone", m, StringComparison.Ordinal));

        Assert.Empty(errors);
    }
}
