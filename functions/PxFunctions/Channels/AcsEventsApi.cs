using System.Security.Cryptography;
using System.Text;
using PxFunctions.Channels.Inbound;
using PxFunctions.Configuration;
using PxFunctions.Http;

namespace PxFunctions.Channels;

/// <summary>
/// <c>/api/events/acs</c>: Event Grid deliveries of ACS events, in the Event Grid schema or as CloudEvents 1.0. The
/// subscription URL carries a shared secret (<c>?secret=</c>, compared in constant time). Answers the subscription
/// validation handshake (200 with <c>validationResponse</c>) and the CloudEvents abuse-protection handshake
/// (<c>OPTIONS</c> with <c>WebHook-Request-Origin</c>). A malformed delivery is a 400, which Event Grid does not retry;
/// a failure while acting is a 500, which it retries (every action is idempotent).
/// </summary>
public static class AcsEventsApi
{
    public const string Route = "/api/events/acs";

    public static IEndpointRouteBuilder MapAcsEventsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods(Route, ["POST", "OPTIONS"], HandleAsync).WithName("AcsEvents").AllowAnonymousFunction();
        return endpoints;
    }

    private static async Task<IResult> HandleAsync(HttpContext context, ChannelSettings settings, PxSettings app, AcsEventProcessor processor, CancellationToken ct)
    {
        var refusal = CheckSecret(context.Request.Query["secret"], settings.EventGridSecret, app.AllowAnonymousAdmin, SettingNames.EventGridSecret);
        if (refusal is not null)
        {
            return refusal;
        }

        if (HttpMethods.IsOptions(context.Request.Method))
        {
            // CloudEvents webhook abuse protection: grant the origin that asks (and any rate it asks for).
            var origin = context.Request.Headers["WebHook-Request-Origin"].ToString();
            if (origin.Length == 0)
            {
                return Problems.BadRequest("WebHook-Request-Origin", "is required for the CloudEvents validation handshake.");
            }

            context.Response.Headers["WebHook-Allowed-Origin"] = origin;
            context.Response.Headers["WebHook-Allowed-Rate"] = "*";
            context.Response.Headers.Allow = "POST, OPTIONS";
            return Results.Ok();
        }

        var (bytes, tooLarge) = await RequestBody.ReadAsync(context.Request, ct);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        var body = BinaryData.FromBytes(bytes);
        List<AcsEvent> events;
        try
        {
            events = AcsEvents.Parse(body, AcsEvents.IsCloudEvents(context.Request.ContentType, body));
        }
        catch (FormatException ex)
        {
            return Problems.BadRequest("body", ex.Message);
        }

        var validation = await processor.HandleAsync(events, ct);
        return validation is null ? Results.Ok() : Results.Ok(new { validationResponse = validation });
    }

    /// <summary>Null when the presented secret matches; a 401 problem otherwise (open only in Development without a secret).</summary>
    internal static IResult? CheckSecret(string? presented, string? expected, bool openInDevelopment, string settingName)
    {
        if (expected is null)
        {
            return openInDevelopment
                ? null
                : Problems.Status(StatusCodes.Status401Unauthorized, "This webhook is not configured.", $"Set {settingName} and put it in the subscription URL as ?secret=.", "secret");
        }

        return presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected))
            ? null
            : Problems.Status(StatusCodes.Status401Unauthorized, "The secret is not valid.", "The request's secret does not match.", "secret");
    }
}
