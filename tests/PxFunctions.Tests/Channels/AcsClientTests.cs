using System.Text;
using PxFunctions.Channels.Acs;
using PxFunctions.Channels.Dispatch;

namespace PxFunctions.Tests.Channels;

/// <summary>Our ACS clients against the ACS double over real HTTP: signatures, per-recipient results, retries, repeatability.</summary>
public sealed class AcsClientTests : IAsyncLifetime
{
    private AcsDouble _acs = null!;

    public async ValueTask InitializeAsync() => _acs = await AcsDouble.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _acs.DisposeAsync();

    private (AcsSmsClient Sms, AcsEmailClient Email) Clients(byte[]? key = null)
    {
        var options = new AcsClientOptions();
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        var pipeline = AcsPipeline.Build(options, key ?? AcsDouble.Key, null, TimeProvider.System);
        return (new AcsSmsClient(_acs.Endpoint, pipeline), new AcsEmailClient(_acs.Endpoint, pipeline, TimeProvider.System) { MaxPoll = TimeSpan.FromSeconds(10) });
    }

    private static SmsSend Sms(Guid? id = null) =>
        new("+18005550100", "+14155550123", "Your serum has arrived", id ?? Guid.NewGuid(), new DateTimeOffset(2026, 3, 5, 10, 0, 0, TimeSpan.Zero), "instance/3/0");

    [Fact]
    public void Signature_MatchesAnIndependentlyComputedVector()
    {
        // Computed with Python's hmac/hashlib from the documented string to sign (not an official ACS vector).
        var key = Convert.FromBase64String("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
        var hash = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("""{"from":"+18005550100","smsRecipients":[{"to":"+14255550123"}],"message":"Hello"}""")));

        Assert.Equal("0tVzw2vSI/MreNvC0x1AJ9nY0+v3g27QHt2LZ89AXBM=", hash);
        Assert.Equal(
            "ra8Yfgnrlfxq/BIgpukUKieRFsa6jMwFkTXuQUdUH+E=",
            AcsHmacPolicy.Sign(key, "POST", "/sms?api-version=2021-03-07", "Tue, 26 Mar 2019 16:06:51 GMT", "contoso.communication.azure.com", hash));
    }

    [Fact]
    public async Task Sms_Accepted_CarriesRepeatabilityAndTag()
    {
        var result = await Clients().Sms.SendAsync(Sms(), CancellationToken.None);

        Assert.True(result.Successful);
        Assert.StartsWith("Outgoing_", result.MessageId, StringComparison.Ordinal);
        Assert.Equal("accepted", result.RepeatabilityResult);
        var sent = Assert.Single(_acs.Sms);
        Assert.Equal(("+14155550123", "Your serum has arrived", "instance/3/0"), (sent.To, sent.Message, sent.Tag));
        Assert.Equal(0, _acs.Unauthorized);
    }

    [Fact]
    public async Task Sms_WrongKey_Is401AndNotTransient()
    {
        var ex = await Assert.ThrowsAsync<AcsRequestException>(() => Clients(Encoding.UTF8.GetBytes("not-the-key-not-the-key-not-the-key")).Sms.SendAsync(Sms(), CancellationToken.None));

        Assert.Equal((401, "Denied", false), (ex.Status, ex.Code, ex.Transient));
        Assert.Empty(_acs.Sms);
    }

    [Fact]
    public async Task Sms_ThrottledTwiceThenServerError_IsRetriedAndResignedAndDeliveredOnce()
    {
        _acs.NextStatuses.Enqueue(429);
        _acs.NextStatuses.Enqueue(429);
        _acs.NextStatuses.Enqueue(503);

        var result = await Clients().Sms.SendAsync(Sms(), CancellationToken.None);

        Assert.True(result.Successful);
        Assert.Equal(4, _acs.Requests.Count);
        Assert.Single(_acs.Sms);
        Assert.Equal(0, _acs.Unauthorized);
    }

    [Fact]
    public async Task Sms_RecipientFailureInsideA202_IsNotSuccess()
    {
        _acs.NextRecipientStatuses.Enqueue(400);
        _acs.NextRecipientStatuses.Enqueue(503);
        var (sms, _) = Clients();

        var invalid = await sms.SendAsync(Sms(), CancellationToken.None);
        var unavailable = await sms.SendAsync(Sms(), CancellationToken.None);

        Assert.Equal((false, 400, false, "Invalid To phone number format."), (invalid.Successful, invalid.HttpStatusCode, invalid.Transient, invalid.ErrorMessage));
        Assert.Equal((false, 503, true), (unavailable.Successful, unavailable.HttpStatusCode, unavailable.Transient));
        Assert.Empty(_acs.Sms);
    }

    [Fact]
    public async Task Sms_SameRepeatabilityId_IsDeliveredOnce()
    {
        var send = Sms(Guid.NewGuid());
        var (sms, _) = Clients();

        var first = await sms.SendAsync(send, CancellationToken.None);
        var again = await sms.SendAsync(send, CancellationToken.None);

        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Single(_acs.Sms);
    }

    [Fact]
    public async Task Email_IsPolledToItsFinalStatus_WithUnsubscribeHeaders()
    {
        var (_, email) = Clients();
        var operationId = Guid.NewGuid();
        var headers = new Dictionary<string, string> { ["List-Unsubscribe"] = "<https://px.example/api/u/t>", ["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click" };

        var operation = await email.SendAsync(new EmailSend("care@glowlabs.example", new EmailAddress("maya@example.com"), "Hi", "Hello", "<p>Hello</p>", null, headers), operationId, CancellationToken.None);

        Assert.Equal(("Succeeded", operationId.ToString("D")), (operation.Status, operation.Id));
        var (id, body) = Assert.Single(_acs.Emails);
        Assert.Equal(operationId.ToString("D"), id);
        Assert.Equal("List-Unsubscribe=One-Click", (string?)body["headers"]!["List-Unsubscribe-Post"]);
        Assert.Equal("maya@example.com", (string?)body["recipients"]!["to"]![0]!["address"]);
        Assert.Contains("GET /emails/operations/" + id, _acs.Requests);
        Assert.Equal(0, _acs.Unauthorized);
        Assert.Null(await email.GetAsync(Guid.NewGuid(), CancellationToken.None));
    }

    [Fact]
    public async Task EmailRetry_OperationAlreadyAtAcs_IsNotSentAgain()
    {
        var (sms, email) = Clients();
        var channel = new AcsChannel(sms, email, new AcsSenders("+18005550100", "care@glowlabs.example", null));
        var key = Guid.NewGuid();
        var message = new OutgoingEmail("maya@example.com", "Hi", "Hello", null, new Dictionary<string, string>(), key, IsRetry: false);

        var first = await channel.SendEmailAsync(message, CancellationToken.None);
        // The worker stopped before recording the send; the retry must find the operation instead of sending again.
        var retry = await channel.SendEmailAsync(message with { IsRetry = true }, CancellationToken.None);

        Assert.True(first.Accepted && retry.Accepted);
        Assert.Equal(first.ProviderMessageId, retry.ProviderMessageId);
        Assert.Single(_acs.Emails);
    }

    [Fact]
    public void ConnectionString_ParsesCaseInsensitively_AndRejectsBadOnes()
    {
        var parsed = AcsConnectionString.Parse("Endpoint=https://px.communication.azure.com/;AccessKey=" + Convert.ToBase64String(AcsDouble.Key));
        Assert.Equal(new Uri("https://px.communication.azure.com"), parsed.Endpoint);
        Assert.Equal(AcsDouble.Key, parsed.AccessKey);

        Assert.Throws<FormatException>(() => AcsConnectionString.Parse("endpoint=http://px.example.com/;accesskey=abc="));
        Assert.Throws<FormatException>(() => AcsConnectionString.Parse("endpoint=https://px.communication.azure.com/"));
        Assert.Throws<FormatException>(() => AcsConnectionString.Parse("endpoint=https://px.communication.azure.com/;accesskey=not base64!"));
    }
}
