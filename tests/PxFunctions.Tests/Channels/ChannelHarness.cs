using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Inbound;
using PxFunctions.Configuration;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Channels;

/// <summary>
/// The app pointed at the ACS double, with a fake clock and the queue dispatcher off, so a test hands effects to the
/// sender itself and decides when time passes.
/// </summary>
public sealed class ChannelHarness : IAsyncDisposable
{
    private int _effects;

    private ChannelHarness(AppHost host, AcsDouble acs, FakeTimeProvider clock)
    {
        Host = host;
        Acs = acs;
        Clock = clock;
    }

    public AppHost Host { get; }
    public AcsDouble Acs { get; }
    public FakeTimeProvider Clock { get; }
    public CustomerMessageSender Sender => Host.Services.GetRequiredService<CustomerMessageSender>();
    public ConsentLedger Consent => Host.Services.GetRequiredService<ConsentLedger>();
    public InboundSmsHandler Inbound => Host.Services.GetRequiredService<InboundSmsHandler>();
    public MessageLog Log => Host.Services.GetRequiredService<MessageLog>();

    public static async Task<ChannelHarness> StartAsync(
        StorageFixture storage, DateTimeOffset now, bool dispatcher = false, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var acs = await AcsDouble.StartAsync(TestContext.Current.CancellationToken);
        var clock = new FakeTimeProvider(now);
        var values = new Dictionary<string, string?>
        {
            [SettingNames.AcsConnectionString] = acs.ConnectionString,
            [SettingNames.AcsSmsFrom] = "+18005550100",
            [SettingNames.AcsEmailFrom] = "care@glowlabs.example",
            [SettingNames.PublicBaseUrl] = "https://px.glowlabs.example",
            [SettingNames.AnswerLinkKey] = "answer-link-key-for-tests-0123456789abcdef",
            [SettingNames.EventGridSecret] = "event-grid-secret-for-tests",
            [SettingNames.BrandName] = "Glow Labs",
            [SettingNames.BrandHelpText] = "Questions? care@glowlabs.example",
            [SettingNames.BrandPostalAddress] = "1 Main St, Springfield, IL 62701",
            [SettingNames.DispatcherEnabled] = dispatcher ? "true" : "false",
            [SettingNames.JourneysLoadExamples] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        // The queue dispatcher waits on the app's clock, so with it on the clock stays real.
        var host = await AppHost.StartAsync(storage, values, s =>
        {
            if (!dispatcher)
            {
                s.AddSingleton<TimeProvider>(clock);
            }

            services?.Invoke(s);
        });
        return new ChannelHarness(host, acs, clock);
    }

    /// <summary>A customer message as the send activity hands it on: its instance, its id, the rendered message.</summary>
    public TestMessage Effect(
        string customerId,
        string? phone = "+14155550123",
        string? email = "maya@example.com",
        string @class = "service",
        OutboundKind kind = OutboundKind.Journey,
        string timeZone = "America/New_York",
        string? region = null,
        string[]? channels = null,
        string instanceId = "inst-1",
        AskOptions? ask = null,
        string text = "Your serum has arrived",
        int sequence = 1)
    {
        var message = new OutboundMessage
        {
            Kind = kind,
            Class = @class,
            JourneyId = "serum",
            Version = 1,
            Step = "welcome",
            Stage = "Unboxing",
            Customer = new CustomerContact(customerId, phone, email, "en-US", timeZone, "US", region),
            Channels = channels ?? ["sms", "email"],
            Locale = "en",
            Sms = new SmsContent(text, 1, "GSM-7"),
            Email = new EmailContent("Your serum", $"<p>{text}</p>", text),
            Ask = ask,
            Sequence = sequence,
        };
        return new TestMessage(instanceId, $"{instanceId}/m{Interlocked.Increment(ref _effects)}", message);
    }

    public Task GrantAsync(ContactChannel channel, string address, ConsentAction action, string? eventId = null) =>
        Consent.RecordAsync(new ConsentChange(channel, address, action, Clock.GetUtcNow(), "test", null, eventId ?? Guid.NewGuid().ToString("N")), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Acs.DisposeAsync();
    }
}

/// <summary>A message for <see cref="CustomerMessageSender"/>: what one run of the send activity passes it.</summary>
public sealed record TestMessage(string InstanceId, string EffectId, OutboundMessage Message);

public static class TestMessageSending
{
    public static Task<MessageRecord> SendAsync(this CustomerMessageSender sender, TestMessage message, CancellationToken cancellationToken) =>
        sender.SendAsync(message.InstanceId, message.EffectId, message.Message, cancellationToken);
}
