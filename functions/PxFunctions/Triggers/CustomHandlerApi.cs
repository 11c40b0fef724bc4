using System.Globalization;
using System.Text.Json;
using PxFunctions.Http;

namespace PxFunctions.Triggers;

/// <summary>
/// The custom handler's invocation endpoints: the Functions host posts each queue or timer trigger to
/// <c>POST /{FunctionName}</c> as <c>{"Data": {binding: value}, "Metadata": {...}}</c> and reads
/// <c>{"Outputs", "Logs", "ReturnValue"}</c> back. A non-2xx answer fails the invocation and the host retries
/// the message per the queue's rules.
/// </summary>
public static class CustomHandlerApi
{
    /// <summary>The custom handler response body.</summary>
    public sealed record InvocationResponse(IReadOnlyDictionary<string, object?> Outputs, IReadOnlyList<string> Logs, object? ReturnValue);

    public static IEndpointRouteBuilder MapCustomHandlerApi(this IEndpointRouteBuilder endpoints)
    {
        var catalog = endpoints.ServiceProvider.GetRequiredService<FunctionCatalog>();
        foreach (var function in catalog.All)
        {
            var name = function.Name;
            endpoints.MapPost("/" + name, (HttpRequest request, FunctionInvoker invoker, CancellationToken ct) => InvokeAsync(name, request, invoker, catalog, ct))
                .WithMetadata(new InvocationEndpointMetadata())
                .ExcludeFromDescription();
        }

        return endpoints;
    }

    private static async Task<IResult> InvokeAsync(string name, HttpRequest request, FunctionInvoker invoker, FunctionCatalog catalog, CancellationToken ct)
    {
        JsonDocument payload;
        try
        {
            payload = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
        }
        catch (JsonException ex)
        {
            return Problems.BadRequest("$", $"The invocation body is not JSON: {ex.Message}");
        }

        using (payload)
        {
            var definition = catalog.Get(name);
            var root = payload.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !TryGetProperty(root, "Data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                return Problems.BadRequest("Data", "The invocation needs a Data object keyed by binding name.");
            }

            var binding = definition.Trigger.BindingName;
            if (!TryGetProperty(data, binding, out var value))
            {
                return Problems.BadRequest($"Data.{binding}", $"Function '{name}' binds its trigger as '{binding}', which is missing.");
            }

            var metadata = TryGetProperty(root, "Metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
            var result = definition.Trigger switch
            {
                QueueTrigger => await invoker.InvokeQueueAsync(
                    name,
                    value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText(),
                    ReadString(metadata, "Id"),
                    ReadLong(metadata, "DequeueCount") ?? 1,
                    ReadDate(metadata, "InsertionTime"),
                    ct),
                TimerTrigger => await invoker.InvokeTimerAsync(
                    name,
                    value.ValueKind == JsonValueKind.Object && TryGetProperty(value, "IsPastDue", out var pastDue) && pastDue.ValueKind == JsonValueKind.True,
                    value.ValueKind == JsonValueKind.Object && TryGetProperty(value, "ScheduleStatus", out var status) && status.ValueKind == JsonValueKind.Object
                        ? ReadDate(status, "Next") : null,
                    ct),
                _ => throw new InvalidOperationException($"Function '{name}' has no invocation endpoint."),
            };

            if (result.Outcome == InvocationOutcome.Failed)
            {
                return Results.Problem(
                    title: "The function failed; the host will retry.",
                    detail: result.Error?.Message,
                    statusCode: StatusCodes.Status500InternalServerError,
                    extensions: new Dictionary<string, object?> { ["logs"] = result.Logs });
            }

            return Results.Json(new InvocationResponse(new Dictionary<string, object?>(), result.Logs, null), JsonOptions);
        }
    }

    // The host's contract spells members in PascalCase; keep them exactly so.
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = null };

    private static bool TryGetProperty(JsonElement element, string name, out JsonElement value)
    {
        value = default;
        if (element.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        // The host's casing has varied between versions; match names case-insensitively.
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        return false;
    }

    private static string? ReadString(JsonElement metadata, string name) =>
        TryGetProperty(metadata, name, out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()) : null;

    private static long? ReadLong(JsonElement metadata, string name) =>
        !TryGetProperty(metadata, name, out var v) ? null
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n
        : v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s
        : null;

    private static DateTimeOffset? ReadDate(JsonElement metadata, string name) =>
        ReadString(metadata, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null;
}
