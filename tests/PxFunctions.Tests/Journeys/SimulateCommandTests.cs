using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using PxFunctions.Configuration;
using PxFunctions.Journeys;

namespace PxFunctions.Tests.Journeys;

/// <summary><c>PxFunctions simulate</c>: the admin API's simulation, with the app's settings (brand, links, rules).</summary>
public sealed class SimulateCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("px-simulate-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<(int Code, string Output, string Error)> RunAsync(JsonObject sample, Dictionary<string, string?> settings, params string[] options)
    {
        var samplePath = Path.Combine(_folder, "sample.json");
        var eventsPath = Path.Combine(_folder, "events.json");
        await File.WriteAllTextAsync(samplePath, sample.ToJsonString());
        await File.WriteAllTextAsync(eventsPath, new JsonArray(new JsonObject { ["name"] = "delivered", ["at"] = "P2D" }).ToJsonString());
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.ToDictionary(s => SettingNames.Key(s.Key), s => s.Value))
            .Build();
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] args = [Path.Combine(ExampleJourneyLoader.ExamplesFolder, "skincare-serum.yaml"), samplePath, "--events", eventsPath, "--start", "2026-03-03T10:00:00Z", "--horizon", "P60D", .. options];
        var code = await SimulateCommand.RunAsync(args, configuration, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The sample order without the brand and links the storefront never sends; consent to marketing texts.</summary>
    private static JsonObject Sample()
    {
        var sample = Samples.Order();
        sample.Remove("brand");
        sample.Remove("links");
        sample["consent"] = new JsonObject { ["sms"] = new JsonObject { ["marketing"] = true } };
        return sample;
    }

    [Fact]
    public async Task Simulate_SampleWithoutBrandOrLinks_RendersTheBrandAndLinksFromSettings()
    {
        var (code, output, error) = await RunAsync(
            Sample(),
            new() { [SettingNames.BrandName] = "Acme Skin", [SettingNames.BrandStoreUrl] = "https://acme-skin.example" });

        Assert.True(code == 0, error);
        Assert.Contains("your Vitamin C Serum from Acme Skin has arrived!", output, StringComparison.Ordinal);
        // The reorder link is the Shopify cart permalink of the line's variant, on the store of the settings.
        Assert.Contains("https://acme-skin.example/cart/8001:1", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Glow Labs", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_WhatTheSampleGives_Wins_AndTheJsonSaysWhyAMessageWaited()
    {
        var sample = Sample();
        sample["brand"] = new JsonObject { ["name"] = "Glow Labs" };
        sample["shop"] = "glowlabs.example";
        // Delivered 2026-03-05 10:00 UTC, 05:00 in New York (EST until 8 March): the welcome text waits for 08:00 EST.
        var (code, output, error) = await RunAsync(sample, new() { [SettingNames.BrandName] = "Acme Skin" }, "--json");

        Assert.True(code == 0, error);
        var result = JsonNode.Parse(output)!;
        var welcome = result["timeline"]!.AsArray().First(e => (string?)e!["step"] == "welcome")!;
        Assert.Contains("from Glow Labs has arrived", (string?)welcome["text"], StringComparison.Ordinal);
        Assert.Equal(("2026-03-05T10:00:00+00:00", "2026-03-05T13:00:00+00:00", "sent", "quiet hours in the recipient's time zone"), (
            welcome["requestedAt"]!.GetValue<DateTimeOffset>().ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
            welcome["at"]!.GetValue<DateTimeOffset>().ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
            (string?)welcome["status"],
            (string?)welcome["reason"]));
        var replenish = result["timeline"]!.AsArray().First(e => (string?)e!["step"] == "replenish")!;
        Assert.Contains("https://glowlabs.example/cart/8001:1", (string?)replenish["text"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_InvalidSetting_SaysWhichAndStops()
    {
        var (code, _, error) = await RunAsync(Sample(), new() { [SettingNames.FrequencyCapMessages] = "lots" });

        Assert.Equal(2, code);
        Assert.Contains(SettingNames.FrequencyCapMessages, error, StringComparison.Ordinal);
    }
}
