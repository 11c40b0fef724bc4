using PxFunctions.Triggers;

namespace PxFunctions.Http;

/// <summary>What operators look at when something went wrong: messages that failed every attempt.</summary>
public static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/admin/poison", async (PoisonMessageStore poison, int? top, CancellationToken ct) =>
            Results.Ok(await poison.ListAsync(Math.Clamp(top ?? 100, 1, 1000), ct)))
            .WithName("ListPoisonMessages").RequireFunctionKey();
        return endpoints;
    }
}
