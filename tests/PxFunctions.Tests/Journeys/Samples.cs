using System.Text.Json.Nodes;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Simulation;

namespace PxFunctions.Tests.Journeys;

/// <summary>Sample orders and the shipped example journeys, for journey tests.</summary>
public static class Samples
{
    public static string ExampleText(string id) => File.ReadAllText(Path.Combine(ExampleJourneyLoader.ExamplesFolder, id + ".yaml"));

    public static JourneyDefinition Example(string id)
    {
        var (definition, errors) = JourneyValidator.Validate(ExampleText(id));
        Assert.True(definition is not null, $"{id}: {string.Join("; ", errors.Select(e => e.Path + " " + e.Message))}");
        return definition!;
    }

    /// <summary>A US customer in New York who bought the serum (and a coffee machine and greens, for the other journeys).</summary>
    public static JsonObject Order(string locale = "en-US", string timeZone = "America/New_York", string? phone = "+14155550123") => new()
    {
        ["customer"] = new JsonObject
        {
            ["id"] = "cust-1",
            ["first_name"] = "Maya",
            ["last_name"] = "Lopez",
            ["email"] = "maya@example.com",
            ["phone"] = phone,
            ["locale"] = locale,
            ["time_zone"] = timeZone,
        },
        ["order"] = new JsonObject
        {
            ["id"] = "5001",
            ["name"] = "#1001",
            ["created_at"] = "2026-03-02T14:00:00Z",
            ["processed_at"] = "2026-03-02T14:00:00Z",
            ["fulfilled_at"] = "2026-03-03T10:00:00Z",
            ["currency"] = "USD",
            ["total_price"] = "48.00",
            ["line_items"] = new JsonArray
            {
                new JsonObject { ["id"] = "9001", ["product_id"] = "7001", ["variant_id"] = "8001", ["sku"] = "SERUM-C-30", ["title"] = "Vitamin C Serum", ["quantity"] = 1, ["price"] = "48.00" },
                new JsonObject { ["id"] = "9002", ["product_id"] = "7002", ["variant_id"] = "8002", ["sku"] = "BARISTA-PRO", ["title"] = "Barista Pro", ["product_type"] = "Espresso Machine", ["quantity"] = 1, ["price"] = "649.00" },
                new JsonObject { ["id"] = "9003", ["product_id"] = "7350123456", ["variant_id"] = "8003", ["sku"] = "GREENS-30", ["title"] = "Daily Greens", ["quantity"] = 2, ["price"] = "39.00", ["tags"] = new JsonArray("subscription") },
            },
        },
        ["brand"] = new JsonObject { ["name"] = "Glow Labs", ["store_url"] = "https://glowlabs.example" },
        ["links"] = new JsonObject
        {
            ["reorder"] = "https://glowlabs.example/cart/8001:1",
            ["review"] = "https://glowlabs.example/review/5001",
            ["support"] = "https://glowlabs.example/account",
        },
    };

    /// <summary>
    /// A time zone where it is now mid-day, so real-time tests of journey texts never meet quiet hours, whenever they run.
    /// </summary>
    public static string DaytimeZone()
    {
        string[] zones = ["Pacific/Kiritimati", "Pacific/Auckland", "Australia/Sydney", "Asia/Tokyo", "Asia/Shanghai", "Asia/Bangkok", "Asia/Kolkata",
            "Asia/Dubai", "Europe/Moscow", "Europe/Berlin", "Europe/London", "Atlantic/Azores", "America/Noronha", "America/Sao_Paulo",
            "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "Pacific/Pago_Pago"];
        return zones.First(z =>
        {
            var hour = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(z)).Hour;
            return hour is >= 10 and < 18;
        });
    }

    /// <summary>The sample customer agreed to marketing on both channels at checkout.</summary>
    public static SimulatedConsent MarketingConsent { get; } = new(new ChannelConsent(true, true, false), new ChannelConsent(true, true, false));

    /// <summary>The live sender's rules with the shipped defaults (or the cap given) and this consent (<see cref="MarketingConsent"/> unless given).</summary>
    public static SimulationRules Rules(SimulatedConsent? consent = null, FrequencyCap? cap = null) =>
        new(new SendRulesPreview(LiveRules(cap)), consent ?? MarketingConsent);

    public static SendRules LiveRules(FrequencyCap? cap = null) =>
        new(new QuietHours(), new DispatchSettings { PublicBaseUrl = new Uri("http://127.0.0.1:7071"), Cap = cap ?? FrequencyCap.Default });

    public static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);
}
