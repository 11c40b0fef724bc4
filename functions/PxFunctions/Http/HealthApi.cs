using System.Diagnostics;
using PxFunctions.Configuration;
using PxFunctions.Hosting;
using PxFunctions.Storage;

namespace PxFunctions.Http;

/// <summary><c>GET /api/health</c>: whether each storage service answers, and how this instance runs.</summary>
public static class HealthApi
{
    /// <summary>One storage service's answer.</summary>
    public sealed record ServiceHealth(bool Reachable, long LatencyMs, string? Error);

    /// <summary>The health report. 200 when every service is reachable, 503 otherwise.</summary>
    public sealed record HealthReport(
        string Status,
        string Mode,
        string TaskHub,
        string Version,
        IReadOnlyDictionary<string, ServiceHealth> Storage,
        DateTimeOffset? LastHeartbeat);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/health", GetHealthAsync).WithName("Health").AllowAnonymousFunction();
        return endpoints;
    }

    private static async Task<IResult> GetHealthAsync(StorageAccount storage, PxSettings settings, HeartbeatTimer heartbeat, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var checks = await Task.WhenAll(
            CheckAsync("tables", async t => { await foreach (var _ in storage.Tables.QueryAsync(maxPerPage: 1, cancellationToken: t).AsPages(pageSizeHint: 1)) { break; } }, timeout.Token),
            CheckAsync("queues", async t => { await foreach (var _ in storage.Queues.GetQueuesAsync(cancellationToken: t).AsPages(pageSizeHint: 1)) { break; } }, timeout.Token),
            CheckAsync("blobs", async t => { await foreach (var _ in storage.Blobs.GetBlobContainersAsync(cancellationToken: t).AsPages(pageSizeHint: 1)) { break; } }, timeout.Token));

        var healthy = checks.All(c => c.Value.Reachable);
        var report = new HealthReport(
            healthy ? "Healthy" : "Unhealthy",
            settings.UnderFunctionsHost ? "functions" : "standalone",
            settings.Durable.TaskHub,
            typeof(HealthApi).Assembly.GetName().Version?.ToString() ?? "0.0.0",
            checks.ToDictionary(c => c.Key, c => c.Value),
            await heartbeat.LastAsync(timeout.Token));
        return Results.Json(report, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<KeyValuePair<string, ServiceHealth>> CheckAsync(string name, Func<CancellationToken, Task> probe, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await probe(ct);
            return new(name, new ServiceHealth(true, watch.ElapsedMilliseconds, null));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new(name, new ServiceHealth(false, watch.ElapsedMilliseconds, ex is OperationCanceledException ? "timed out" : ex.GetType().Name + ": " + FirstLine(ex.Message)));
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
