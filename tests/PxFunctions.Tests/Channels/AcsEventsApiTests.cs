using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PxFunctions.Channels;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Channels;

/// <summary><c>/api/events/acs</c> over real HTTP with real-shaped Event Grid deliveries, in both schemas.</summary>
public sealed class AcsEventsApiTests(StorageFixture storage) : IAsyncLifetime
{
    private const string Secret = "event-grid-secret-for-tests";
    private const string Phone = "+14155550123";
    private static readonly DateTimeOffset Midday = new(2026, 3, 10, 15, 0, 0, TimeSpan.Zero);
    private ChannelHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await ChannelHarness.StartAsync(storage, Midday);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private async Task<HttpResponseMessage> PostAsync(string body, string contentType = "application/json", string? secret = Secret)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return await _h.Host.Client.PostAsync(secret is null ? AcsEventsApi : $"{AcsEventsApi}?secret={secret}", content, TestContext.Current.CancellationToken);
    }

    private const string AcsEventsApi = "/api/events/acs";

    private static string EventGrid(string type, string data, string id = "evt-1") => $$"""
        [{ "id": "{{id}}", "topic": "/subscriptions/0000/resourceGroups/rg/providers/microsoft.communication/communicationservices/px",
           "subject": "/phonenumber/18005550100", "eventType": "{{type}}", "eventTime": "2026-03-10T15:00:00Z",
           "dataVersion": "1.0", "metadataVersion": "1", "data": {{data}} }]
        """;

    [Fact]
    public async Task SubscriptionValidation_EchoesTheCode()
    {
        using var response = await PostAsync(EventGrid(
            "Microsoft.EventGrid.SubscriptionValidationEvent",
            """{ "validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6", "validationUrl": "https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/x/validate?id=1" }"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("validationResponse").GetString());
    }

    [Fact]
    public async Task CloudEventsHandshake_GrantsTheOrigin()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, $"{AcsEventsApi}?secret={Secret}");
        request.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");
        request.Headers.Add("WebHook-Request-Rate", "120");
        using var response = await _h.Host.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("eventgrid.azure.net", response.Headers.GetValues("WebHook-Allowed-Origin").Single());
        Assert.Equal("*", response.Headers.GetValues("WebHook-Allowed-Rate").Single());
    }

    [Fact]
    public async Task WrongOrMissingSecret_Is401_AndNothingHappens()
    {
        var stop = EventGrid("Microsoft.Communication.SMSReceived", $$"""{ "messageId": "Incoming_1", "from": "{{Phone}}", "to": "+18005550100", "message": "STOP", "receivedTimestamp": "2026-03-10T15:00:00Z" }""");

        using var wrong = await PostAsync(stop, secret: "guess");
        using var missing = await PostAsync(stop, secret: null);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.False((await _h.Consent.GetAsync(ContactChannel.Sms, Phone, CancellationToken.None)).OptedOut);
    }

    [Fact]
    public async Task SmsReceivedStop_EventGridSchema_OptsOutOnce_EvenWhenRedelivered()
    {
        var stop = EventGrid("Microsoft.Communication.SMSReceived", $$"""{ "messageId": "Incoming_2", "from": "{{Phone}}", "to": "+18005550100", "message": "Stop", "receivedTimestamp": "2026-03-10T15:00:00Z", "segmentCount": 1 }""");

        using var first = await PostAsync(stop);
        using var again = await PostAsync(stop);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var state = await _h.Consent.GetAsync(ContactChannel.Sms, Phone, CancellationToken.None);
        Assert.True(state.OptedOut);
        Assert.Single(await _h.Consent.HistoryAsync(ContactChannel.Sms, Phone, CancellationToken.None));
        Assert.Single(_h.Acs.Sms);
    }

    [Fact]
    public async Task SmsReceived_CloudEventsWithPascalCaseData_IsRead()
    {
        const string help = """
            { "id": "Incoming_3", "source": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/px",
              "subject": "/phonenumber/18005550100", "type": "Microsoft.Communication.SMSReceived", "time": "2026-03-10T15:00:00Z", "specversion": "1.0",
              "data": { "MessageId": "Incoming_3", "From": "+14155550123", "To": "+18005550100", "Message": "HELP", "ReceivedTimestamp": "2026-03-10T15:00:00Z", "SegmentCount": 1 } }
            """;

        using var response = await PostAsync(help, "application/cloudevents+json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Phone, Assert.Single(_h.Acs.Sms).To);
    }

    [Fact]
    public async Task DeliveryReports_UpdateTheMessageLog_BounceSuppressesTheAddress()
    {
        await _h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.ServiceGranted);
        var sms = await _h.Sender.SendAsync(_h.Effect("c-dlr"), CancellationToken.None);
        var email = await _h.Sender.SendAsync(_h.Effect("c-dlr", phone: null, instanceId: "inst-2"), CancellationToken.None);
        // ACS hands back the send's tag in its reports: it names the message's row (no index row for this text).
        var tag = _h.Acs.Sms.Single(s => s.MessageId == sms.ProviderMessageId).Tag;
        Assert.Equal((sms.CustomerKey, sms.EffectId), MessageLog.ReadSmsTag(tag));

        using var delivered = await PostAsync(EventGrid(
            "Microsoft.Communication.SMSDeliveryReportReceived",
            $$"""{ "messageId": "{{sms.ProviderMessageId}}", "from": "+18005550100", "to": "{{Phone}}", "deliveryStatus": "Delivered", "deliveryStatusDetails": "No error.", "receivedTimestamp": "2026-03-10T15:00:05Z", "tag": "{{tag}}", "deliveryAttempts": [ { "timestamp": "2026-03-10T15:00:04Z", "segmentsSucceeded": 1, "segmentsFailed": 0 } ] }""",
            "dlr-1"));
        using var bounced = await PostAsync(EventGrid(
            "Microsoft.Communication.EmailDeliveryReportReceived",
            $$"""{ "sender": "care@glowlabs.example", "recipient": "maya@example.com", "messageId": "{{email.ProviderMessageId}}", "status": "Bounced", "deliveryStatusDetails": { "statusMessage": "550 5.1.1 mailbox unavailable" }, "deliveryAttemptTimeStamp": "2026-03-10T15:00:09Z" }""",
            "edr-1"));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (delivered.StatusCode, bounced.StatusCode));
        Assert.Equal(MessageStatus.Delivered, (await _h.Log.GetAsync(sms.CustomerKey, sms.EffectId, CancellationToken.None))!.Status);
        var failed = (await _h.Log.GetAsync(email.CustomerKey, email.EffectId, CancellationToken.None))!;
        Assert.Equal((MessageStatus.Failed, "Bounced: 550 5.1.1 mailbox unavailable"), (failed.Status, failed.Reason));
        Assert.True((await _h.Consent.GetAsync(ContactChannel.Email, "maya@example.com", CancellationToken.None)).Suppressed);

        // Nothing more goes to the bounced address, service email included.
        var next = await _h.Sender.SendAsync(_h.Effect("c-dlr", phone: null, instanceId: "inst-3"), CancellationToken.None);
        Assert.Equal("no channel allowed: no phone number; email is suppressed (bounced or blocked)", next.Reason);
    }

    [Fact]
    public async Task DeliveryReport_ForACustomerKnownOnlyByNumber_FindsTheMessageByItsProviderId()
    {
        await _h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.ServiceGranted);
        var sms = await _h.Sender.SendAsync(_h.Effect("", instanceId: "inst-anon"), CancellationToken.None);
        var sent = _h.Acs.Sms.Single(s => s.MessageId == sms.ProviderMessageId);

        // The customer key is the number: it does not travel as a tag, the provider id's index row finds the message.
        Assert.StartsWith("a:", sms.CustomerKey, StringComparison.Ordinal);
        Assert.Null(MessageLog.ReadSmsTag(sent.Tag));
        using var delivered = await PostAsync(EventGrid(
            "Microsoft.Communication.SMSDeliveryReportReceived",
            $$"""{ "messageId": "{{sms.ProviderMessageId}}", "from": "+18005550100", "to": "{{Phone}}", "deliveryStatus": "Delivered", "receivedTimestamp": "2026-03-10T15:00:05Z", "tag": "{{sent.Tag}}" }""",
            "dlr-anon"));

        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        Assert.Equal(MessageStatus.Delivered, (await _h.Log.GetAsync(sms.CustomerKey, sms.EffectId, CancellationToken.None))!.Status);
    }

    [Theory]
    [InlineData("c:8211", "glowlabs.myshopify.com:1:2/m3")]
    [InlineData("c:id with spaces:and:colons", "a:b/m1")]
    public void SmsTag_CarriesTheCustomerKeyAndMessageId(string customerKey, string effectId)
    {
        Assert.Equal((customerKey, effectId), MessageLog.ReadSmsTag(MessageLog.SmsTag(customerKey, effectId)));
        Assert.Null(MessageLog.ReadSmsTag(effectId));
        Assert.Null(MessageLog.ReadSmsTag("px1:99:" + customerKey + effectId));
    }

    [Fact]
    public async Task CarrierBlock_InADeliveryReport_OptsTheNumberOut()
    {
        await _h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.ServiceGranted);
        var sms = await _h.Sender.SendAsync(_h.Effect("c-block"), CancellationToken.None);

        using var response = await PostAsync(EventGrid(
            "Microsoft.Communication.SMSDeliveryReportReceived",
            $$"""{ "messageId": "{{sms.ProviderMessageId}}", "from": "+18005550100", "to": "{{Phone}}", "deliveryStatus": "Failed", "deliveryStatusDetails": "Sender blocked for given recipient.", "receivedTimestamp": "2026-03-10T15:00:05Z" }""",
            "dlr-2"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await _h.Consent.GetAsync(ContactChannel.Sms, Phone, CancellationToken.None)).OptedOut);
    }

    [Fact]
    public async Task Malformed_Is400_UnknownTypes_AreAcknowledged()
    {
        using var malformed = await PostAsync("{ not json");
        using var unknown = await PostAsync(EventGrid("Microsoft.Storage.BlobCreated", """{ "api": "PutBlob", "url": "https://x.blob.core.windows.net/c/b" }"""));

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
    }

    [Fact]
    public async Task InboundEmail_Signed_QuotedHistoryStripped_UnsubscribeHonoured()
    {
        var body = """{"from":"Maya <Maya@Example.com>","to":"care@glowlabs.example","subject":"Re: Your serum","text":"unsubscribe\n\nOn Tue, Mar 10, 2026 Glow Labs wrote:\n> Hi Maya","messageId":"m-1"}""";

        using var unsigned = await _h.Host.Client.PostAsync("/api/events/email", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);

        Assert.Equal("Thanks!", MessagingApi.StripQuoted("Thanks!\n\nOn Tue, Mar 10, 2026 at 9:00 AM Glow Labs <care@glowlabs.example> wrote:\n> How is it going?"));
        Assert.Equal("Great", MessagingApi.StripQuoted("Great\n-----Original Message-----\nFrom: x"));
        Assert.Equal("maya@example.com", MessagingApi.AddressOf("Maya <Maya@Example.com>"));
    }
}
