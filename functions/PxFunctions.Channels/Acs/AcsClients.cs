using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace PxFunctions.Channels.Acs;

/// <summary>Pipeline options of the ACS clients: retries (429 and 5xx, honouring Retry-After) and the transport.</summary>
public sealed class AcsClientOptions : ClientOptions
{
    public AcsClientOptions()
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 4;
        Retry.Delay = TimeSpan.FromSeconds(1);
        Retry.MaxDelay = TimeSpan.FromSeconds(30);
        Diagnostics.IsLoggingContentEnabled = false;
    }
}

/// <summary>A whole ACS request failed (after the pipeline's retries): its status, the service's error code and message.</summary>
public sealed class AcsRequestException(int status, string? code, string message)
    : Exception($"ACS answered {status}{(code is null ? "" : $" {code}")}: {message}")
{
    public int Status { get; } = status;
    public string? Code { get; } = code;

    /// <summary>Worth retrying later: throttling, a server error, or no answer.</summary>
    public bool Transient => Status is 0 or 408 or 429 or >= 500;

    internal static AcsRequestException From(Response response)
    {
        string? code = null;
        var message = response.ReasonPhrase;
        try
        {
            using var json = JsonDocument.Parse(response.Content.ToMemory());
            if (json.RootElement.TryGetProperty("error", out var error))
            {
                code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                message = error.TryGetProperty("message", out var m) ? m.GetString() ?? message : message;
            }
            else if (json.RootElement.TryGetProperty("title", out var title))
            {
                message = title.GetString() ?? message;
            }
        }
        catch (JsonException)
        {
            // Not JSON: the reason phrase says enough.
        }

        return new AcsRequestException(response.Status, code, message);
    }
}

/// <summary>Builds the ACS clients' pipelines: access-key HMAC signing, or an Entra ID token for the ACS scope.</summary>
public static class AcsPipeline
{
    public const string Scope = "https://communication.azure.com//.default";

    public static HttpPipeline Build(AcsClientOptions options, byte[]? accessKey, TokenCredential? credential, TimeProvider time)
    {
        HttpPipelinePolicy auth = accessKey is not null
            ? new AcsHmacPolicy(accessKey, time)
            : new BearerTokenAuthenticationPolicy(credential ?? throw new ArgumentNullException(nameof(credential)), Scope);
        return HttpPipelineBuilder.Build(options, perCallPolicies: [], perRetryPolicies: [auth], new ResponseClassifier());
    }

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>One SMS to one recipient, with its repeatability id (stable across retries, derived from our effect id).</summary>
public sealed record SmsSend(string From, string To, string Message, Guid RepeatabilityRequestId, DateTimeOffset RepeatabilityFirstSent, string? Tag);

/// <summary>What ACS said about one recipient. A 202 answer can still hold a failed recipient.</summary>
public sealed record SmsSendResult(string To, string? MessageId, int HttpStatusCode, bool Successful, string? ErrorMessage, string? RepeatabilityResult)
{
    /// <summary>A failure worth retrying (throttled or a server error for this recipient).</summary>
    public bool Transient => !Successful && HttpStatusCode is 429 or >= 500;
}

/// <summary>
/// <c>POST {endpoint}/sms?api-version=2021-03-07</c>: one recipient per request, repeatability per recipient in the
/// body (a retry resends the same id and first-sent date, so ACS delivers it once), delivery reports requested with
/// our tag.
/// </summary>
public sealed class AcsSmsClient(Uri endpoint, HttpPipeline pipeline)
{
    public const string ApiVersion = "2021-03-07";

    public async Task<SmsSendResult> SendAsync(SmsSend send, CancellationToken cancellationToken)
    {
        var body = new
        {
            from = send.From,
            smsRecipients = new[]
            {
                new
                {
                    to = send.To,
                    repeatabilityRequestId = send.RepeatabilityRequestId.ToString("D"),
                    repeatabilityFirstSent = send.RepeatabilityFirstSent.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture),
                },
            },
            message = send.Message,
            smsSendOptions = new { enableDeliveryReport = true, tag = send.Tag },
        };

        using var message = pipeline.CreateMessage();
        var request = message.Request;
        request.Method = RequestMethod.Post;
        request.Uri.Reset(new Uri(endpoint, $"/sms?api-version={ApiVersion}"));
        request.Headers.SetValue("Content-Type", "application/json");
        request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(body, AcsPipeline.Json));
        await pipeline.SendAsync(message, cancellationToken);

        var response = message.Response;
        if (response.Status != 202)
        {
            throw AcsRequestException.From(response);
        }

        var result = JsonSerializer.Deserialize<SmsResponse>(response.Content.ToMemory().Span, AcsPipeline.Json);
        return result?.Value?.FirstOrDefault() ?? throw new AcsRequestException(202, null, "The answer held no recipient.");
    }

    private sealed record SmsResponse(List<SmsSendResult>? Value);
}

public sealed record EmailAddress(string Address, string? DisplayName = null);

/// <summary>An email as ACS takes it; <see cref="Headers"/> carries List-Unsubscribe and List-Unsubscribe-Post.</summary>
public sealed record EmailSend(
    string SenderAddress,
    EmailAddress To,
    string Subject,
    string PlainText,
    string? Html,
    IReadOnlyList<EmailAddress>? ReplyTo,
    IReadOnlyDictionary<string, string>? Headers);

/// <summary>The state of a send operation: <c>NotStarted, Running, Succeeded, Failed, Canceled</c> (extensible).</summary>
public sealed record EmailOperation(string Id, string Status, string? ErrorCode, string? ErrorMessage)
{
    public bool IsTerminal => Status is "Succeeded" or "Failed" or "Canceled";
    public bool Succeeded => Status == "Succeeded";
}

/// <summary>
/// <c>POST {endpoint}/emails:send?api-version=2025-09-01</c>, a long-running operation polled to a final status. Email
/// has no repeatability headers, so the operation id we choose (derived from our effect id) is the idempotency key:
/// before resending after a crash, <see cref="GetAsync"/> tells whether ACS already has it.
/// </summary>
public sealed class AcsEmailClient(Uri endpoint, HttpPipeline pipeline, TimeProvider time)
{
    public const string ApiVersion = "2025-09-01";

    /// <summary>How long a send polls before it reports the operation as still running (the delivery report finishes it).</summary>
    public TimeSpan MaxPoll { get; init; } = TimeSpan.FromMinutes(2);

    public async Task<EmailOperation> SendAsync(EmailSend send, Guid operationId, CancellationToken cancellationToken)
    {
        var body = new
        {
            senderAddress = send.SenderAddress,
            content = new { subject = send.Subject, plainText = send.PlainText, html = send.Html },
            recipients = new { to = new[] { send.To } },
            replyTo = send.ReplyTo,
            headers = send.Headers,
            userEngagementTrackingDisabled = false,
        };

        using var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Post;
        message.Request.Uri.Reset(new Uri(endpoint, $"/emails:send?api-version={ApiVersion}"));
        message.Request.Headers.SetValue("Content-Type", "application/json");
        message.Request.Headers.SetValue("Operation-Id", operationId.ToString("D"));
        message.Request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(body, AcsPipeline.Json));
        await pipeline.SendAsync(message, cancellationToken);
        if (message.Response.Status != 202)
        {
            throw AcsRequestException.From(message.Response);
        }

        var operation = Read(message.Response);
        return operation.IsTerminal ? operation : await PollAsync(operation.Id, RetryAfter(message.Response), cancellationToken);
    }

    /// <summary>The operation with this id, or null when ACS has none (it was never sent).</summary>
    public async Task<EmailOperation?> GetAsync(Guid operationId, CancellationToken cancellationToken)
    {
        using var message = Get(operationId.ToString("D"));
        await pipeline.SendAsync(message, cancellationToken);
        return message.Response.Status switch
        {
            200 => Read(message.Response),
            404 => null,
            _ => throw AcsRequestException.From(message.Response),
        };
    }

    /// <summary>Polls until a final status, honouring Retry-After, for at most <see cref="MaxPoll"/>.</summary>
    public async Task<EmailOperation> PollAsync(string operationId, TimeSpan firstDelay, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + MaxPoll;
        var delay = firstDelay;
        while (true)
        {
            await Task.Delay(delay, time, cancellationToken);
            using var message = Get(operationId);
            await pipeline.SendAsync(message, cancellationToken);
            if (message.Response.Status != 200)
            {
                throw AcsRequestException.From(message.Response);
            }

            var operation = Read(message.Response);
            if (operation.IsTerminal || time.GetUtcNow() >= deadline)
            {
                return operation;
            }

            delay = RetryAfter(message.Response);
        }
    }

    private HttpMessage Get(string operationId)
    {
        var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(new Uri(endpoint, $"/emails/operations/{Uri.EscapeDataString(operationId)}?api-version={ApiVersion}"));
        return message;
    }

    private static TimeSpan RetryAfter(Response response) =>
        response.Headers.TryGetValue("retry-after", out var value) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 60))
            : TimeSpan.FromSeconds(5);

    private static EmailOperation Read(Response response)
    {
        using var json = JsonDocument.Parse(response.Content.ToMemory());
        var root = json.RootElement;
        var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e : (JsonElement?)null;
        return new EmailOperation(
            root.GetProperty("id").GetString() ?? "",
            root.GetProperty("status").GetString() ?? "",
            error?.TryGetProperty("code", out var code) == true ? code.GetString() : null,
            error?.TryGetProperty("message", out var text) == true ? text.GetString() : null);
    }
}
