using System.Text;
using PxFunctions.Channels.Acs;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Inbound;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Tests.Channels;

/// <summary>
/// The WhatsApp client against the ACS double's Advanced Messaging contract over real HTTP (signature, receipts,
/// repeatability, errors, throttling), and the two Advanced Messaging events as Event Grid and CloudEvents deliver them.
/// </summary>
public sealed class AcsWhatsAppTests : IAsyncLifetime
{
    private static readonly DateTimeOffset FirstSent = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private AcsDouble _acs = null!;

    public async ValueTask InitializeAsync()
    {
        _acs = await AcsDouble.StartAsync(TestContext.Current.CancellationToken);
        _acs.ApprovedTemplates[("order_update", "en_US")] = 2;
    }

    public async ValueTask DisposeAsync() => await _acs.DisposeAsync();

    private AcsChannel Channel(byte[]? key = null, Guid? channelId = null)
    {
        var options = new AcsClientOptions();
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.MaxRetries = 2;
        var pipeline = AcsPipeline.Build(options, key ?? AcsDouble.Key, null, TimeProvider.System);
        return new AcsChannel(
            new AcsSmsClient(_acs.Endpoint, pipeline),
            new AcsEmailClient(_acs.Endpoint, pipeline, TimeProvider.System),
            new AcsSenders("+18005550100", "care@example.com", null, channelId ?? AcsDouble.WhatsAppChannelId),
            new AcsWhatsAppClient(_acs.Endpoint, pipeline));
    }

    private static OutgoingWhatsApp Template(Guid? key = null, params string[] parameters) =>
        new("+14155550123", null, new WhatsAppTemplateContent("order_update", "en_US", parameters.Length == 0 ? ["Maya", "Kettle"] : parameters), key ?? Guid.NewGuid(), FirstSent, false);

    [Fact]
    public async Task Template_Accepted_WithItsParametersBoundInOrder()
    {
        var result = await Channel().SendWhatsAppAsync(Template(), CancellationToken.None);

        Assert.True(result.Accepted, result.Error);
        var sent = Assert.Single(_acs.WhatsApp);
        Assert.Equal(result.ProviderMessageId, sent.MessageId);
        Assert.Equal(("14155550123", "template", "order_update", "en_US"), (sent.To, sent.Kind, sent.Template, sent.Language));
        Assert.Equal(["Maya", "Kettle"], sent.Parameters);
        Assert.Equal(0, _acs.Unauthorized);
    }

    [Fact]
    public async Task Retry_SameRepeatabilityPair_IsDeliveredOnce()
    {
        var key = Guid.NewGuid();
        var first = await Channel().SendWhatsAppAsync(new OutgoingWhatsApp("+14155550123", "Hello", null, key, FirstSent, false), CancellationToken.None);
        var again = await Channel().SendWhatsAppAsync(new OutgoingWhatsApp("+14155550123", "Hello", null, key, FirstSent, true), CancellationToken.None);

        Assert.True(first.Accepted && again.Accepted);
        Assert.Equal(first.ProviderMessageId, again.ProviderMessageId);
        var sent = Assert.Single(_acs.WhatsApp);
        Assert.Equal(("text", "Hello", true), (sent.Kind, sent.Text, sent.OutsideWindow));
    }

    [Fact]
    public async Task Errors_AreFinal_ThrottlingAndOutagesTransient()
    {
        var unknownTemplate = await Channel().SendWhatsAppAsync(Template(parameters: ["only one"]), CancellationToken.None);
        Assert.False(unknownTemplate.Accepted);
        Assert.False(unknownTemplate.Transient);
        Assert.Contains("TemplateParameterMismatch", unknownTemplate.Error, StringComparison.Ordinal);

        var wrongChannel = await Channel(channelId: Guid.NewGuid()).SendWhatsAppAsync(Template(), CancellationToken.None);
        Assert.Equal((false, false), (wrongChannel.Accepted, wrongChannel.Transient));
        Assert.Contains("404", wrongChannel.Error, StringComparison.Ordinal);

        var wrongKey = await Channel(Encoding.UTF8.GetBytes("not-the-key-not-the-key-not-the-key")).SendWhatsAppAsync(Template(), CancellationToken.None);
        Assert.Equal((false, false), (wrongKey.Accepted, wrongKey.Transient));
        Assert.Contains("401", wrongKey.Error, StringComparison.Ordinal);

        // Throttled past the pipeline's retries: transient, so the send activity tries again later with the same key.
        foreach (var status in new[] { 429, 429, 429 })
        {
            _acs.NextStatuses.Enqueue(status);
        }

        var throttled = await Channel().SendWhatsAppAsync(Template(), CancellationToken.None);
        Assert.Equal((false, true), (throttled.Accepted, throttled.Transient));
        Assert.Empty(_acs.WhatsApp);

        // Throttled once: the pipeline waits (Retry-After) and the retry gets through.
        _acs.NextStatuses.Enqueue(429);
        var later = await Channel().SendWhatsAppAsync(Template(), CancellationToken.None);
        Assert.True(later.Accepted);
        Assert.Single(_acs.WhatsApp);
    }

    [Fact]
    public async Task NotConfigured_IsAFinalFailureThatSaysWhich()
    {
        var options = new AcsClientOptions();
        var pipeline = AcsPipeline.Build(options, AcsDouble.Key, null, TimeProvider.System);
        var channel = new AcsChannel(new AcsSmsClient(_acs.Endpoint, pipeline), new AcsEmailClient(_acs.Endpoint, pipeline, TimeProvider.System), new AcsSenders("+18005550100", "care@example.com", null));

        var result = await channel.SendWhatsAppAsync(Template(), CancellationToken.None);
        Assert.Equal((false, false), (result.Accepted, result.Transient));
        Assert.Contains("Acs__WhatsAppChannelId", result.Error, StringComparison.Ordinal);
        Assert.Empty(_acs.Requests);
    }

    [Theory]
    [InlineData(false, "channelType", "content")]
    [InlineData(true, "channelKind", "Content")]
    public void Received_InBothSchemasAndCasings(bool cloudEvents, string kindField, string contentField)
    {
        var data = $$"""{ "{{contentField}}": "It leaks", "{{kindField}}": "whatsapp", "from": "14155550123", "to": "{{AcsDouble.WhatsAppChannelId}}", "receivedTimestamp": "2026-06-01T09:30:00Z" }""";
        var body = cloudEvents
            ? $$"""{ "specversion": "1.0", "id": "ev-1", "source": "/acs", "type": "Microsoft.Communication.AdvancedMessageReceived", "time": "2026-06-01T09:30:00Z", "data": {{data}} }"""
            : $$"""[{ "id": "ev-1", "topic": "/acs", "subject": "advancedMessage", "eventType": "Microsoft.Communication.AdvancedMessageReceived", "eventTime": "2026-06-01T09:30:00Z", "dataVersion": "1.0", "data": {{data}} }]""";

        var received = Assert.IsType<WhatsAppReceived>(Assert.Single(AcsEvents.Parse(BinaryData.FromString(body), cloudEvents)));
        Assert.Equal(("ev-1", "14155550123", "It leaks"), (received.MessageId, received.From, received.Text));
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 9, 30, 0, TimeSpan.Zero), received.ReceivedAt);
    }

    [Fact]
    public void DeliveryStatus_CarriesTheMessageIdAndWhatsAppsError()
    {
        const string body = """
            [{ "id": "ev-2", "topic": "/acs", "subject": "advancedMessage", "eventType": "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated", "eventTime": "2026-06-01T09:31:00Z", "dataVersion": "1.0",
               "data": { "messageId": "m-1", "status": "failed", "channelType": "whatsapp", "from": "x", "to": "14155550123", "receivedTimestamp": "2026-06-01T09:31:00Z",
                         "error": { "channelCode": "131047", "channelMessage": "Re-engagement message" } } },
             { "id": "ev-3", "topic": "/acs", "subject": "advancedMessage", "eventType": "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated", "eventTime": "2026-06-01T09:31:00Z", "dataVersion": "1.0",
               "data": { "messageId": "m-2", "status": "read", "channelKind": "whatsapp", "to": "14155550123" } }]
            """;

        var events = AcsEvents.Parse(BinaryData.FromString(body), cloudEvents: false);
        var failed = Assert.IsType<WhatsAppStatus>(events[0]);
        Assert.Equal(("m-1", "failed", "131047 Re-engagement message"), (failed.MessageId, failed.Status, failed.Error));
        var read = Assert.IsType<WhatsAppStatus>(events[1]);
        Assert.Equal(("m-2", "read", null), (read.MessageId, read.Status, read.Error));
    }
}
