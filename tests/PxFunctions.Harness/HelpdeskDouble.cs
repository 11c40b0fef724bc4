using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PxFunctions.Channels.Desk;

namespace PxFunctions.Harness;

/// <summary>
/// A helpdesk's webhook receiver on a loopback port (<c>POST /hook</c>), as a brand would write one: it checks the
/// <c>X-Px-Signature</c> (HMAC-SHA256 over <c>{t}.{body}</c>) and refuses a bad one with 401, answers 200 and drops a
/// repeated <c>X-Px-Event-Id</c>, and can be told to fail (<see cref="NextStatuses"/>, <see cref="AlwaysFail"/>).
/// </summary>
public sealed class HelpdeskDouble : IAsyncDisposable
{
    public const string Secret = "helpdesk-signing-secret-0123456789";

    private WebApplication _app = null!;

    private HelpdeskDouble()
    {
    }

    public sealed record Delivery(string? EventId, string? Kind, string? Signature, bool SignatureValid, DateTimeOffset SignedAt, int Status, JsonObject? Body, string Raw);

    /// <summary>Every request, in arrival order, with the status it was answered.</summary>
    public ConcurrentQueue<Delivery> Requests { get; } = new();

    /// <summary>Statuses to answer the next requests with (before any check), one each.</summary>
    public ConcurrentQueue<int> NextStatuses { get; } = new();

    /// <summary>Answer every request 500.</summary>
    public bool AlwaysFail { get; set; }

    /// <summary>Events taken (2xx, first time), by event id.</summary>
    public ConcurrentDictionary<string, Delivery> Accepted { get; } = new();

    /// <summary>Requests whose event id had been taken before: the receiver's dedupe dropped them.</summary>
    public int Duplicates => _duplicates;

    private int _duplicates;

    public Uri Url { get; private set; } = null!;

    public static async Task<HelpdeskDouble> StartAsync(CancellationToken cancellationToken = default)
    {
        var receiver = new HelpdeskDouble();
        var (app, address) = await Loopback.StartAsync(a => a.MapPost("/hook", (Delegate)receiver.ReceiveAsync), cancellationToken);
        receiver._app = app;
        receiver.Url = new Uri(address + "/hook");
        return receiver;
    }

    private async Task<IResult> ReceiveAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var raw = buffer.ToArray();
        var signature = context.Request.Headers[HelpdeskSignature.Header].FirstOrDefault();
        var valid = HelpdeskSignature.Verify(Encoding.UTF8.GetBytes(Secret), signature, raw, out var signedAt);
        var eventId = context.Request.Headers[HelpdeskSignature.EventIdHeader].FirstOrDefault();
        var kind = context.Request.Headers[HelpdeskSignature.EventKindHeader].FirstOrDefault();
        JsonObject? body = null;
        try
        {
            body = JsonNode.Parse(raw) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            // Kept raw.
        }

        var status = NextStatuses.TryDequeue(out var next) ? next : AlwaysFail ? 500 : !valid ? 401 : 200;
        var delivery = new Delivery(eventId, kind, signature, valid, signedAt, status, body, Encoding.UTF8.GetString(raw));
        Requests.Enqueue(delivery);
        if (status == 200 && eventId is not null && !Accepted.TryAdd(eventId, delivery))
        {
            Interlocked.Increment(ref _duplicates);
        }

        return Results.StatusCode(status);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
