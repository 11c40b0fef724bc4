using PxFunctions.Channels.Dispatch;
using PxFunctions.Triggers;

namespace PxFunctions.Http;

/// <summary>What operators look at when something went wrong: queue messages that failed every attempt, sends that failed for good.</summary>
public static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/admin/poison", async (PoisonMessageStore poison, int? top, CancellationToken ct) =>
            Results.Ok(await poison.ListAsync(Math.Clamp(top ?? 100, 1, 1000), ct)))
            .WithName("ListPoisonMessages").RequireFunctionKey();
        endpoints.MapGet("/api/admin/messages/failed", async (MessageLog log, int? top, CancellationToken ct) =>
            Results.Ok(await log.FailedAsync(Math.Clamp(top ?? 100, 1, 1000), ct)))
            .WithName("ListFailedMessages").RequireFunctionKey();
        return endpoints;
    }
}
