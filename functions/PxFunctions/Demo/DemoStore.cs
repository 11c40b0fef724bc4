using System.Text.Json.Nodes;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Inbound;
using PxFunctions.Intake.Lifecycle;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Demo;

/// <summary>
/// <c>-- demo</c>: a simulated store beside the app. It publishes a journey whose waits are seconds (the journey
/// time is compressed in the definition, the engine runs on real time), then every few seconds a customer orders,
/// the order is delivered and their journey starts; the customers read the dev outbox and answer (most rate, some
/// never reply). Everything goes through the app's real paths: the Durable engine, the sender, inbound SMS.
/// </summary>
internal sealed partial class DemoStore(
    JourneyCatalog catalog, IJourneyContexts contexts, IJourneyInstances instances, ConsentLedger consent,
    DevOutboxChannel outbox, InboundSmsHandler inbound, OrderAttribution attribution, TimeProvider time, ILogger<DemoStore> logger) : BackgroundService
{
    public const string JourneyId = "demo-espresso";

    private const string Journey = """
        id: demo-espresso
        name: Espresso machine (demo, seconds for days)
        trigger: { event: delivered, skus: [DEMO-ESPRESSO] }
        locales: [en]
        channels: [sms]
        stages: [Unboxing, Usage, Care & Maintenance, Upsell/Renewal]
        steps:
          - { id: welcome, type: send, stage: Unboxing, class: service, message: { sms: { en: "Hi {{ customer.first_name }}, your espresso machine has arrived! Tip: run one tank of water through first." } } }
          - { id: settle, type: wait, stage: Unboxing, duration: PT10S }
          - { id: rate, type: ask, stage: Usage, class: service, expect: rating, record: rating, timeout: PT40S, noReply: care-tip,
              on: { "4-5": review, "1-3": sorry },
              message: { sms: { en: "How are the first coffees, {{ customer.first_name }}? Reply 1-5" } } }
          - { id: sorry, type: send, stage: Usage, class: service, next: care-tip, message: { sms: { en: "Sorry to hear that. A barista will call you today." } } }
          - { id: review, type: send, stage: Usage, class: service, next: care-tip, message: { sms: { en: "Thanks for the {{ answers.rating }}! Would you leave a review? https://shop.example/review" } } }
          - { id: care-tip, type: send, stage: Care & Maintenance, class: service, message: { sms: { en: "Time to descale: one sachet, hold the steam button 5 s." } } }
          - { id: later, type: wait, stage: Care & Maintenance, duration: PT20S }
          - { id: offer, type: send, stage: Upsell/Renewal, class: service, message: { sms: { en: "Running low on beans? Reorder in one tap: https://shop.example/reorder" } } }
          - { id: done, type: end, outcome: completed }
        """;

    private static readonly string[] Names = ["Ava", "Ben", "Chloé", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Liam"];

    private readonly HashSet<string> _answered = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken);
            var (definition, errors) = JourneyValidator.Validate(Journey);
            if (definition is null)
            {
                throw new InvalidOperationException("The demo journey is not valid: " + string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}")));
            }

            var (version, _) = await catalog.PublishAsync(definition, Journey, stoppingToken);
            LogStarted(version);
            var customer = 0;
            var nextOrder = time.GetUtcNow();
            while (!stoppingToken.IsCancellationRequested)
            {
                if (time.GetUtcNow() >= nextOrder && customer < 40)
                {
                    await OrderAndDeliverAsync(version, customer++, stoppingToken);
                    nextOrder = time.GetUtcNow().AddSeconds(6);
                }

                await ReplyAsync(stoppingToken);
                await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task OrderAndDeliverAsync(int version, int n, CancellationToken ct)
    {
        var name = Names[n % Names.Length];
        var phone = $"+1415555{1000 + n:0000}";
        var orderId = $"D{1001 + n}";
        var instanceId = $"demo.shop:{orderId}:{JourneyId}";
        var now = time.GetUtcNow();
        var customer = new JsonObject
        {
            ["id"] = $"demo.shop|{5000 + n}", ["first_name"] = name, ["phone"] = phone, ["email"] = $"{name.ToLowerInvariant()}{n}@example.com",
            ["locale"] = "en", ["time_zone"] = DaytimeZone(now), ["country_code"] = "US",
        };
        var order = new JsonObject { ["id"] = orderId, ["created_at"] = now.AddMinutes(-5).ToString("O"), ["delivered_at"] = now.ToString("O"), ["currency"] = "USD", ["total"] = 349.0 };
        var product = new JsonObject { ["title"] = "Barista Pro", ["sku"] = "DEMO-ESPRESSO" };
        await consent.RecordAsync(new ConsentChange(ContactChannel.Sms, phone, ConsentAction.ServiceGranted, now, "demo checkout", null, "order:" + orderId), ct);
        var input = new JourneyInput(JourneyId, version, customer, order, product, new JsonObject { ["name"] = "Demo Coffee Co." }, new JsonObject());
        await contexts.SaveAsync(instanceId, input, ct);
        await instances.StartAsync(JourneyFunctionNames.Orchestrator, instanceId, new JourneyRun { JourneyId = JourneyId, Version = version }, ct);
        await attribution.StartedAsync(instanceId, JourneyId, now, ct); // as intake counts a journey it starts
        LogOrder(orderId);
    }

    /// <summary>Customers answer the rating question a few seconds after it arrives: most 4-5, some 2, every fifth never.</summary>
    private async Task ReplyAsync(CancellationToken ct)
    {
        foreach (var message in await outbox.ListAsync(200, ct))
        {
            if (!message.Text.StartsWith("How are the first coffees", StringComparison.Ordinal)
                || time.GetUtcNow() - message.At < TimeSpan.FromSeconds(4) || !_answered.Add(message.Id))
            {
                continue;
            }

            var n = int.Parse(message.To[^4..], System.Globalization.CultureInfo.InvariantCulture) - 1000;
            if (n % 5 == 4)
            {
                continue;
            }

            var answer = n % 4 == 3 ? "2" : n % 2 == 0 ? "5" : "4";
            await inbound.HandleAsync(message.To, answer, "demo-" + message.Id, time.GetUtcNow(), ct);
        }
    }

    /// <summary>A zone where it is now mid-day, so quiet hours never hold the demo's texts.</summary>
    private static string DaytimeZone(DateTimeOffset now)
    {
        string[] zones = ["Pacific/Auckland", "Asia/Tokyo", "Asia/Kolkata", "Europe/Berlin", "Europe/London", "America/Sao_Paulo", "America/New_York", "America/Chicago", "America/Los_Angeles", "Pacific/Honolulu"];
        return zones.FirstOrDefault(z => TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(z)).Hour is >= 10 and < 17) ?? "America/New_York";
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Demo store open: journey demo-espresso v{Version} published; an order every 6 s. Watch /dashboard")]
    private partial void LogStarted(int version);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Demo order {OrderId} delivered: its journey starts")]
    private partial void LogOrder(string orderId);
}
