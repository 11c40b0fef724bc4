using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Configuration;
using PxFunctions.Intake.Customers;
using PxFunctions.Intake.Storefronts;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Tests.Infrastructure;
using PxFunctions.Tests.Journeys;

namespace PxFunctions.Tests.Dashboard;

/// <summary>
/// The app with the dev outbox as its channel (no ACS), the queue dispatcher on and a published two-step journey
/// (ask for a rating, thank for it), plus Debian's Chromium driven by Playwright. Screenshots go to
/// <c>{test output}/screenshots/</c>.
/// </summary>
internal static class DashboardApp
{
    public const string JourneyId = "check-in";

    public const string Journey = """
        id: check-in
        name: Check-in
        trigger: { event: paid, skus: [SKU-1] }
        locales: [en]
        channels: [sms]
        stages: [Unboxing, Usage]
        steps:
          - { id: rate, type: ask, stage: Unboxing, class: service, expect: rating, record: score, timeout: P1D, noReply: nudge,
              on: { "4-5": thanks, "1-3": sorry },
              message: { sms: { en: "How is it, {{ customer.first_name }}? Reply 1-5" } } }
          - { id: nudge, type: send, stage: Unboxing, class: service, next: done, message: { sms: { en: "We'd still love a rating." } } }
          - { id: sorry, type: send, stage: Usage, class: service, next: done, message: { sms: { en: "Sorry, {{ customer.first_name }}." } } }
          - { id: thanks, type: send, stage: Usage, class: service,
              message: { sms: { en: "Thanks for the {{ answers.score }}, {{ customer.first_name }}!" } } }
          - { id: done, type: end, outcome: rated }
        """;

    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    public static Task<AppHost> StartAsync(StorageFixture storage, string environment = "Production", bool withKey = true) =>
        AppHost.StartAsync(storage, new Dictionary<string, string?>
        {
            [SettingNames.DispatcherEnabled] = "true",
            [SettingNames.JourneysLoadExamples] = "false",
            [SettingNames.PublicBaseUrl] = "https://px.glowlabs.example",
            [SettingNames.AnswerLinkKey] = "answer-link-key-for-tests-0123456789abcdef",
            [SettingNames.BrandName] = "Glow Labs",
            [SettingNames.BrandHelpText] = "Questions? care@glowlabs.example",
            [SettingNames.BrandPostalAddress] = "1 Main St, Springfield, IL 62701",
            [SettingNames.AdminKey] = withKey ? AppHost.AdminKey : null,
        }, environment: environment);

    public static async Task PublishAsync(AppHost host)
    {
        var (definition, errors) = JourneyValidator.Validate(Journey);
        Assert.Empty(errors);
        await host.Services.GetRequiredService<JourneyCatalog>().PublishAsync(definition!, Journey, CancellationToken.None);
    }

    /// <summary>Starts a journey for a customer with service consent on <paramref name="phone"/>; returns the customer id.</summary>
    public static async Task<string> StartJourneyAsync(AppHost host, string name, string phone)
    {
        var id = $"shop.example:{name}:{Guid.NewGuid():N}"[..40];
        var customerId = "cust-" + name.ToLowerInvariant() + "-" + id[^6..];
        var order = Samples.Order(timeZone: Samples.DaytimeZone(), phone: phone);
        order["customer"]!["id"] = customerId;
        order["customer"]!["first_name"] = name;
        order["customer"]!["email"] = name.ToLowerInvariant() + "@example.com";
        await host.Services.GetRequiredService<ConsentLedger>().RecordAsync(
            new ConsentChange(ContactChannel.Sms, phone, ConsentAction.ServiceGranted, DateTimeOffset.UtcNow, "checkout", null, "order:" + id), CancellationToken.None);
        // The customer as intake keeps them (the profile and the address index the dashboard finds them by).
        var email = name.ToLowerInvariant() + "@example.com";
        await host.Services.GetRequiredService<CustomerStore>().SaveAsync(
            new CustomerProfile(customerId, "shop.example", customerId, name, null, email, phone, "en", Samples.DaytimeZone(), "US", null),
            new StoreOrder { Source = "orders", Shop = "shop.example", OrderId = id, Customer = new StoreCustomer(customerId, name, null, email, phone, "en") },
            CancellationToken.None);
        var product = new System.Text.Json.Nodes.JsonObject { ["title"] = "Glow Serum", ["sku"] = "SKU-1" };
        var input = new JourneyInput(JourneyId, 1, order["customer"]!.AsObject(), order["order"]!.AsObject(), product, [], []);
        await Infrastructure.Journeys.StartAsync(host.Services, id, input);
        return customerId;
    }

    public static async Task<List<DevOutboxMessage>> OutboxAsync(AppHost host) =>
        await host.Services.GetRequiredService<DevOutboxChannel>().ListAsync(200, CancellationToken.None);

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        const string chromium = "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), $"{chromium} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does).");
        // Playwright starts it with a fresh temporary profile (--user-data-dir) and --headless.
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true, Args = ChromiumArgs });
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });
    }
}
