using System.Text.Json.Nodes;

namespace PxFunctions.Journeys.Interpreter;

/// <summary>
/// What the interpreter knows of the purchase: the journey version, the customer's id, and the template model
/// without personal data (<see cref="PersonalFields"/> removed). Branches, waits and records read it; messages are
/// rendered later, outside the orchestration, from the full <see cref="JourneyInput"/>.
/// </summary>
public sealed record JourneyContext(string JourneyId, int Version, string? CustomerId, JsonObject Model)
{
    /// <summary>Fields of the model that identify a person; they never enter an orchestration's state or history.</summary>
    public static readonly IReadOnlyList<string> PersonalFields =
    [
        "customer.first_name", "customer.last_name", "customer.name", "customer.email", "customer.phone",
        "order.shipping_address.first_name", "order.shipping_address.last_name", "order.shipping_address.city", "order.shipping_address.zip",
        "order.email", "order.phone",
    ];

    public JsonObject Customer => Model["customer"] as JsonObject ?? [];
    public JsonObject Order => Model["order"] as JsonObject ?? [];

    /// <summary>The context of a purchase: the input's model with <see cref="PersonalFields"/> removed.</summary>
    public static JourneyContext Of(JourneyInput input)
    {
        var model = new JsonObject
        {
            ["customer"] = input.Customer.DeepClone(),
            ["order"] = input.Order.DeepClone(),
            ["product"] = input.Product.DeepClone(),
            ["brand"] = input.Brand.DeepClone(),
            ["links"] = input.Links.DeepClone(),
        };
        foreach (var path in PersonalFields)
        {
            var dot = path.LastIndexOf('.');
            if (JourneyInput.At(model, path[..dot]) is JsonObject parent)
            {
                parent.Remove(path[(dot + 1)..]);
            }
        }

        var customerId = (string?)(input.Customer["id"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : input.Customer["id"]?.ToJsonString());
        return new JourneyContext(input.JourneyId, input.Version, customerId, model);
    }
}
