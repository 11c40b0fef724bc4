using System.Text.Json.Nodes;
using PxFunctions.Http;
using PxFunctions.Intake.Customers;
using PxFunctions.Intake.Lifecycle;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Intake;

/// <summary>
/// <c>GET /api/admin/orders/{shop}/{orderId}</c>: an order as intake knows it — its lines (catalogue fields and ids),
/// each line's journey instance and status, and, when an event started no journey for some line, what it was
/// checked against and why nothing matched (<see cref="OrderJourneyCheck"/>). An unknown order is a 404 problem.
/// </summary>
public static class OrdersApi
{
    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/admin/orders/{shop}/{orderId}", GetAsync).WithName("GetOrder").RequireFunctionKey();
        return endpoints;
    }

    private static async Task<IResult> GetAsync(string shop, string orderId, CustomerStore customers, IJourneyInstances instances, CancellationToken ct)
    {
        if (await customers.GetOrderAsync(shop, orderId, ct) is not { } known)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "No such order.", $"No order '{orderId}' of '{shop}' has been reported.", "orderId");
        }

        var (customerKey, order) = known;
        var lines = new JsonArray();
        foreach (var line in order.LineItems)
        {
            var instanceId = IntakeProcessor.InstanceIdOf(order.Shop, order.OrderId, line.Id);
            var instance = await instances.GetAsync(instanceId, ct);
            lines.Add(new JsonObject
            {
                ["id"] = line.Id,
                ["sku"] = line.Sku,
                ["productId"] = line.ProductId,
                ["variantId"] = line.VariantId,
                ["title"] = line.Title,
                ["productType"] = line.ProductType,
                ["vendor"] = line.Vendor,
                ["tags"] = new JsonArray(line.Tags.Select(t => (JsonNode?)t).ToArray()),
                ["quantity"] = line.Quantity,
                ["journey"] = instance is null ? null : new JsonObject
                {
                    ["instanceId"] = instanceId,
                    ["status"] = instance.Status.ToString(),
                    ["customStatus"] = instance.CustomStatus is { } status ? JsonNode.Parse(status) : null,
                },
            });
        }

        var check = await customers.GetJourneyCheckAsync(order.Shop, order.OrderId, ct);
        return Results.Ok(new JsonObject
        {
            ["shop"] = order.Shop,
            ["orderId"] = order.OrderId,
            ["name"] = order.Name,
            ["source"] = order.Source,
            ["customerKey"] = customerKey,
            ["createdAt"] = order.CreatedAt,
            ["financialStatus"] = order.FinancialStatus,
            ["fulfilledAt"] = order.FulfilledAt,
            ["deliveredAt"] = order.DeliveredAt,
            ["cancelledAt"] = order.CancelledAt,
            ["lines"] = lines,
            ["journeyCheck"] = check is null ? null : System.Text.Json.JsonSerializer.SerializeToNode(check, JsonOptions),
        });
    }

    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new(System.Text.Json.JsonSerializerDefaults.Web);
}
