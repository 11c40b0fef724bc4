using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PxFunctions.Http;
using PxFunctions.Intake.Storefronts;

namespace PxFunctions.Intake;

/// <summary>
/// Storefront webhooks: <c>/api/webhooks/shopify</c>, <c>/api/webhooks/woocommerce</c> and <c>/api/webhooks/orders</c>
/// (our generic signed JSON). Each verifies its signature over the raw body (a wrong or missing one: 401, nothing
/// stored), validates the payload (400 problem+json naming the field, kept for an admin), deduplicates, stores the
/// body and queues it, and answers well inside Shopify's five seconds; the work happens off the queue. Unknown topics
/// are acknowledged (200) and logged, so storefronts do not retry them for ever.
/// </summary>
public static class StorefrontWebhooksApi
{
    public static IEndpointRouteBuilder MapStorefrontWebhooksApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/webhooks/shopify", ShopifyAsync).WithName("ShopifyWebhook").AllowAnonymousFunction();
        endpoints.MapPost("/api/webhooks/woocommerce", WooCommerceAsync).WithName("WooCommerceWebhook").AllowAnonymousFunction();
        endpoints.MapPost("/api/webhooks/orders", OrdersAsync).WithName("OrdersWebhook").AllowAnonymousFunction();
        endpoints.MapGet("/api/admin/webhooks/rejected", async (WebhookInbox inbox, int? top, CancellationToken ct) =>
            Results.Ok(await inbox.RejectedAsync(Math.Clamp(top ?? 50, 1, 500), ct))).WithName("ListRejectedWebhooks").RequireFunctionKey();
        endpoints.MapGet("/api/admin/webhooks/orders-schema", () => Results.Text(OrdersSchema.Value, "application/schema+json")).WithName("OrdersWebhookSchema").RequireFunctionKey();
        return endpoints;
    }

    private static readonly Lazy<string> OrdersSchema = new(() =>
    {
        using var stream = typeof(ShopifyPayloads).Assembly.GetManifestResourceStream("orders-webhook.schema.json")!;
        return new StreamReader(stream).ReadToEnd();
    });

    private static async Task<IResult> ShopifyAsync(HttpRequest request, StorefrontSecrets secrets, WebhookInbox inbox, TimeProvider time, ILogger<WebhookInbox> logger, CancellationToken ct)
    {
        var (body, tooLarge) = await RequestBody.ReadAsync(request, ct);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        var shop = Header(request, "X-Shopify-Shop-Domain")?.ToLowerInvariant();
        if (!secrets.Shopify.Verify(shop, body, Header(request, "X-Shopify-Hmac-Sha256")))
        {
            return Unauthorized("X-Shopify-Hmac-Sha256", secrets.Shopify.IsConfigured, "Shopify__WebhookSecrets");
        }

        var topic = Header(request, "X-Shopify-Topic");
        if (topic is null || shop is null)
        {
            return Problems.BadRequest(topic is null ? "X-Shopify-Topic" : "X-Shopify-Shop-Domain", "is required.");
        }

        var now = time.GetUtcNow();
        if (!ShopifyPayloads.Topics.Contains(topic))
        {
            logger.LogInformation("Shopify topic {Topic} from {Shop} acknowledged and ignored", topic, shop);
            return Results.Ok(new { status = "ignored", topic });
        }

        var triggeredAt = DateTimeOffset.TryParse(Header(request, "X-Shopify-Triggered-At"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : now;
        var rejected = await ValidateAsync(StoreSources.Shopify, shop, topic, body, inbox, now, node => ShopifyPayloads.Parse(topic, shop, node, triggeredAt), ct);
        if (rejected is not null)
        {
            return rejected;
        }

        // Dedupe on the topic and Shopify's event id (one merchant action); the webhook id names this delivery.
        var eventId = Header(request, "X-Shopify-Event-Id") ?? Header(request, "X-Shopify-Webhook-Id") ?? Hash(body);
        var message = new IntakeMessage(StoreSources.Shopify, shop, topic, WebhookInbox.KeyOf(topic, eventId), now, triggeredAt);
        return Accepted(await inbox.AcceptAsync(message, eventId, Header(request, "X-Shopify-Webhook-Id"), body, ct));
    }

    private static async Task<IResult> WooCommerceAsync(HttpRequest request, StorefrontSecrets secrets, WebhookInbox inbox, TimeProvider time, ILogger<WebhookInbox> logger, CancellationToken ct)
    {
        var (body, tooLarge) = await RequestBody.ReadAsync(request, ct);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        var signature = Header(request, "X-WC-Webhook-Signature");
        if (signature is null && Encoding.UTF8.GetString(body).StartsWith("webhook_id=", StringComparison.Ordinal))
        {
            // The unsigned ping WooCommerce sends when a webhook is saved; it wants exactly 200.
            return Results.Ok(new { status = "pong" });
        }

        var shop = Uri.TryCreate(Header(request, "X-WC-Webhook-Source"), UriKind.Absolute, out var source) ? source.Host.ToLowerInvariant() : null;
        if (!secrets.WooCommerce.Verify(shop, body, signature))
        {
            return Unauthorized("X-WC-Webhook-Signature", secrets.WooCommerce.IsConfigured, "WooCommerce__WebhookSecrets");
        }

        var topic = Header(request, "X-WC-Webhook-Topic");
        if (topic is null || shop is null)
        {
            return Problems.BadRequest(topic is null ? "X-WC-Webhook-Topic" : "X-WC-Webhook-Source", "is required.");
        }

        var now = time.GetUtcNow();
        if (!WooCommercePayloads.Topics.Contains(topic))
        {
            logger.LogInformation("WooCommerce topic {Topic} from {Shop} acknowledged and ignored", topic, shop);
            return Results.Ok(new { status = "ignored", topic });
        }

        var rejected = await ValidateAsync(StoreSources.WooCommerce, shop, topic, body, inbox, now, node => WooCommercePayloads.Parse(topic, shop, node, now), ct);
        if (rejected is not null)
        {
            return rejected;
        }

        // WooCommerce's delivery id changes on every attempt: the order's id and modification time identify the event.
        var node = JsonNode.Parse(body)!;
        var eventId = $"{node["id"]}:{(string?)node["date_modified_gmt"] ?? Hash(body)}";
        var message = new IntakeMessage(StoreSources.WooCommerce, shop, topic, WebhookInbox.KeyOf(topic, eventId), now, null);
        return Accepted(await inbox.AcceptAsync(message, eventId, Header(request, "X-WC-Webhook-Delivery-ID"), body, ct));
    }

    private static async Task<IResult> OrdersAsync(HttpRequest request, StorefrontSecrets secrets, WebhookInbox inbox, TimeProvider time, CancellationToken ct)
    {
        var (body, tooLarge) = await RequestBody.ReadAsync(request, ct);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        if (!secrets.Orders.Verify(null, body, Header(request, "X-Px-Signature")))
        {
            return Unauthorized("X-Px-Signature", secrets.Orders.IsConfigured, "Orders__WebhookSecrets");
        }

        var now = time.GetUtcNow();
        (string EventId, StoreEvent Event)? parsed = null;
        var rejected = await ValidateAsync(StoreSources.Orders, null, null, body, inbox, now, node => (parsed = GenericPayloads.Parse(node)).Value.Event, ct);
        if (rejected is not null)
        {
            return rejected;
        }

        var (eventId, storeEvent) = parsed!.Value;
        var topic = (string)JsonNode.Parse(body)!["event"]!;
        var message = new IntakeMessage(StoreSources.Orders, storeEvent.Shop, topic, WebhookInbox.KeyOf(topic, eventId), now, storeEvent.At);
        return Accepted(await inbox.AcceptAsync(message, eventId, null, body, ct));
    }

    /// <summary>Parses and validates a body; a malformed or incomplete one is kept for an admin and answered 400.</summary>
    private static async Task<IResult?> ValidateAsync(string source, string? shop, string? topic, byte[] body, WebhookInbox inbox, DateTimeOffset now, Func<JsonNode, StoreEvent> parse, CancellationToken ct)
    {
        string field;
        string reason;
        try
        {
            var node = JsonNode.Parse(body) ?? throw new IntakeValidationException("body", "is empty.");
            parse(node);
            return null;
        }
        catch (JsonException ex)
        {
            (field, reason) = ("body", $"is not JSON: {ex.Message}");
        }
        catch (IntakeValidationException ex)
        {
            (field, reason) = (ex.Field, ex.Reason);
        }

        await inbox.RejectAsync(source, shop, topic, field, reason, body, now, ct);
        return Problems.BadRequest(field, reason);
    }

    private static IResult Accepted(AcceptOutcome outcome) =>
        Results.Ok(new { status = outcome == AcceptOutcome.Accepted ? "accepted" : "duplicate" });

    private static IResult Unauthorized(string header, bool configured, string setting) =>
        Problems.Status(
            StatusCodes.Status401Unauthorized,
            "The signature is not valid.",
            configured ? $"{header} does not match the body under any configured secret." : $"No secret is configured: set {setting}.",
            header);

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.ToString() : null;

    private static string Hash(byte[] body) => Convert.ToHexString(SHA256.HashData(body));
}
