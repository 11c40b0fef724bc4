using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace PxFunctions.Benchmarks;

/// <summary>
/// ACS's SMS endpoint as its contract answers (<c>POST /sms</c>: 202 with a result per recipient; the same
/// repeatability id delivers nothing new), on loopback, recording when each text arrives. The benchmark's stand-in for
/// ACS; the tests' double also checks the HMAC signature.
/// </summary>
internal sealed class SmsDouble : IAsyncDisposable
{
    private WebApplication _app = null!;

    // Repeatability ids seen, shared by the doubles of one run: one ACS resource however many processes send to it.
    private readonly Seen _seen;

    private SmsDouble(Seen seen) => _seen = seen;

    /// <summary>Each text really delivered (to this double): recipient, text, when it arrived.</summary>
    public ConcurrentQueue<(string To, string Message, DateTimeOffset At)> Delivered { get; } = new();

    /// <summary>Texts whose repeatability id had already been delivered, to this double or to one sharing with it.</summary>
    public long Duplicates => Interlocked.Read(ref _seen.Duplicates);

    private sealed class Seen
    {
        public readonly ConcurrentDictionary<string, bool> Ids = new(StringComparer.Ordinal);
        public long Duplicates;
    }

    public string ConnectionString { get; private set; } = "";

    /// <param name="sharing">Another double of the same run: repeatability ids delivered to either count once.</param>
    public static async Task<SmsDouble> StartAsync(CancellationToken cancellationToken, SmsDouble? sharing = null)
    {
        var sms = new SmsDouble(sharing?._seen ?? new Seen());
        var (app, endpoint) = await PxFunctions.Harness.Loopback.StartAsync(a => a.MapPost("/sms", (Delegate)sms.SendAsync), cancellationToken);
        sms._app = app;
        sms.ConnectionString = $"endpoint={endpoint}/;accesskey={Convert.ToBase64String("benchmark-sms-double-key-0123456789"u8.ToArray())}";
        return sms;
    }

    private async Task<IResult> SendAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var message = (string?)body?["message"] ?? "";
        var results = new JsonArray();
        foreach (var recipient in body?["smsRecipients"]?.AsArray() ?? [])
        {
            var to = (string?)recipient?["to"] ?? "";
            var id = (string?)recipient?["repeatabilityRequestId"] ?? Guid.NewGuid().ToString();
            if (_seen.Ids.TryAdd(id, true))
            {
                Delivered.Enqueue((to, message, DateTimeOffset.UtcNow));
            }
            else
            {
                Interlocked.Increment(ref _seen.Duplicates);
            }

            results.Add(new JsonObject { ["to"] = to, ["messageId"] = "Outgoing_" + id, ["httpStatusCode"] = 202, ["successful"] = true, ["repeatabilityResult"] = "accepted" });
        }

        return Results.Json(new JsonObject { ["value"] = results }, statusCode: StatusCodes.Status202Accepted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
