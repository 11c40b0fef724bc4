using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PxFunctions.Channels.Chat;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Inbound;
using PxFunctions.Intake.Customers;
using PxFunctions.Intake.Privacy;
using PxFunctions.Intake.Storefronts;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Journeys.Durable;
namespace PxFunctions.Intake.Lifecycle;

/// <summary>The latest published version of every journey (what new purchases start on).</summary>
public interface IPublishedJourneys
{
    Task<IReadOnlyList<(JourneyDefinition Definition, int Version)>> LatestAsync(CancellationToken cancellationToken);
}

/// <summary>An order the storefront has not told us about yet (a fulfilment overtook its order): retried later.</summary>
public sealed class OrderNotYetKnownException(string shop, string orderId) : Exception($"Order {orderId} of {shop} is not known yet.");

/// <summary>
/// Acts on what storefronts report, idempotently (a webhook may be processed more than once, and out of order):
/// keeps customers, orders and consent up to date, starts one journey instance per eligible line item (its id is
/// derived from shop, order and line, so repeats cannot start two), tells journeys about deliveries and reorders, and
/// ends journeys of cancelled or refunded items. Erases and exports a customer on request.
/// </summary>
public sealed class IntakeProcessor(
    CustomerStore customers,
    ConsentLedger consent,
    IJourneyInstances instances,
    IJourneyContexts contexts,
    IPublishedJourneys journeys,
    BrandSettings brand,
    CustomerRecords records,
    CustomerErasure erasure,
    WebhookInbox inbox,
    OrderAttribution attribution,
    ChatTokens chat,
    ILogger<IntakeProcessor> logger)
{
    /// <summary>
    /// Acts on a webhook's event. The stored body is tied to the customer it is about (so erasing them deletes it);
    /// a <c>customers/redact</c> deletes its own body last, as it names the customer too.
    /// </summary>
    public async Task<string> HandleAsync(StoreEvent storeEvent, IntakeMessage message, CancellationToken cancellationToken)
    {
        var (outcome, customerKey) = storeEvent switch
        {
            OrderEvent order => await OrderAsync(order, cancellationToken),
            FulfillmentEvent fulfillment => await FulfillmentAsync(fulfillment, message.Key, cancellationToken),
            RefundEvent refund => await RefundAsync(refund, cancellationToken),
            ConsentEvent change => await ConsentAsync(change, message.Key, cancellationToken),
            PrivacyEvent privacy => await PrivacyAsync(privacy, cancellationToken),
            _ => ((string, string?))("ignored", null),
        };
        if (storeEvent is PrivacyEvent { Erase: true })
        {
            await inbox.ForgetBodyAsync(WebhookInbox.BlobName(message), cancellationToken);
        }
        else if (customerKey is not null)
        {
            await customers.LinkWebhookAsync(customerKey, message.Key, WebhookInbox.BlobName(message), cancellationToken);
        }

        return outcome;
    }

    /// <summary>Instance ids are table keys of the task hub: keep them well inside the 1 KiB key limit.</summary>
    public const int MaxInstanceIdLength = 200;

    /// <summary>The deterministic instance id of a line item's journey: the same however often the order is reported.</summary>
    public static string InstanceIdOf(string shop, string orderId, string lineItemId)
    {
        var id = new string($"{shop}:{orderId}:{lineItemId}".Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '@' or '-' ? c : '-').ToArray());
        if (id.Length <= MaxInstanceIdLength)
        {
            return id;
        }

        // Long ids keep a readable prefix and a hash of the whole, so two long ids never collide.
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..16];
        return id[..(MaxInstanceIdLength - 17)] + "-" + hash;
    }

    private async Task<(string, string?)> OrderAsync(OrderEvent e, CancellationToken cancellationToken)
    {
        var order = e.Order;
        var phone = E164.Of(order.Customer.Phone ?? order.Shipping?.Phone, order.Shipping?.CountryCode);
        if (order.LineItems.Count == 0 && e.Kind == OrderEventKind.Cancelled)
        {
            // A deleted (trashed) WooCommerce order carries only its id: end what we know of it.
            return (await EndAsync(order.Shop, order.OrderId, [], "order cancelled", e.At, cancellationToken), (await customers.GetOrderAsync(order.Shop, order.OrderId, cancellationToken))?.CustomerKey);
        }

        var profile = new CustomerProfile(
            CustomerStore.KeyOf(order.Shop, order.Customer, phone),
            order.Shop,
            order.Customer.Id,
            order.Customer.FirstName,
            order.Customer.LastName,
            order.Customer.Email?.ToLowerInvariant(),
            phone,
            order.Customer.Locale,
            ContactDetails.TimeZone(phone, order.Shipping?.CountryCode, order.Shipping?.ProvinceCode),
            order.Shipping?.CountryCode,
            order.Shipping?.ProvinceCode);
        await customers.SaveAsync(profile, order, cancellationToken);
        await RecordOrderConsentAsync(order, profile, cancellationToken);
        if (e.Kind is OrderEventKind.Created or OrderEventKind.Paid)
        {
            await attribution.AttributeAsync(profile.Key, order, e.At, cancellationToken);
            await attribution.ReferredAsync(profile.Key, order, e.At, cancellationToken);
        }

        if (e.Kind == OrderEventKind.Cancelled)
        {
            return (await EndAsync(order.Shop, order.OrderId, order.LineItems.Select(l => l.Id).ToList(), "order cancelled", e.At, cancellationToken), profile.Key);
        }

        var started = 0;
        var published = await journeys.LatestAsync(cancellationToken);
        var checks = new List<LineCheck>();
        foreach (var line in order.LineItems)
        {
            var check = await LineAsync(e.Kind, order, line, profile, published, e.At, cancellationToken);
            started += check.Created ? 1 : 0;
            checks.Add(check.Line);
        }

        await KeepCheckAsync(order, e.Kind, e.At, checks, cancellationToken);
        return ($"order {e.Kind.ToString().ToLowerInvariant()}: {started} journey(s) started", profile.Key);
    }

    /// <summary>
    /// When a line started no journey, says why: logged with ids only, and kept on the order (what each published
    /// journey's trigger was checked against) for the admin order view. Nothing is written when every line has its journey.
    /// </summary>
    private async Task KeepCheckAsync(StoreOrder order, OrderEventKind kind, DateTimeOffset at, List<LineCheck> lines, CancellationToken cancellationToken)
    {
        var idle = lines.Where(l => l.Started is null).ToList();
        if (idle.Count == 0 || kind == OrderEventKind.Updated)
        {
            // An update never starts a journey: the events that can have said why already.
            return;
        }

        var check = new OrderJourneyCheck(at, kind.ToString().ToLowerInvariant(), lines);
        await customers.SaveJourneyCheckAsync(order.Shop, order.OrderId, check, cancellationToken);
        foreach (var line in idle)
        {
            logger.LogInformation("Order {OrderId} of {Shop}, line {LineItemId}: no journey started on {Event}: {Reason}", order.OrderId, order.Shop, line.LineItemId, check.Event, line.Reason);
        }
    }

    /// <summary>A line's check, and whether this event created its journey's instance.</summary>
    private sealed record LineOutcome(LineCheck Line, bool Created);

    /// <summary>
    /// Starts the line's journey if this event is its trigger; reports a reorder to an earlier journey for the product.
    /// Says what was checked: each published journey's trigger against the line, and why none started.
    /// </summary>
    private async Task<LineOutcome> LineAsync(OrderEventKind kind, StoreOrder order, StoreLineItem line, CustomerProfile profile, IReadOnlyList<(JourneyDefinition Definition, int Version)> published, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var triggers = published
            .OrderBy(j => j.Definition.Id, StringComparer.Ordinal)
            .Select(j =>
            {
                var trigger = j.Definition.Trigger;
                var matched = trigger.Matches(line.Sku, line.ProductId, line.ProductType, line.Tags, line.Vendor);
                var reason = !matched ? OrderJourneyCheck.Mismatch(trigger, line.Sku, line.ProductId, line.ProductType, line.Vendor, line.Tags)
                    : !Triggers(trigger.Event, kind, order) ? $"its trigger event is {TriggerName(trigger.Event)}; this event was {EventName(kind, order)}"
                    : null;
                return new TriggerCheck(j.Definition.Id, j.Version, TriggerName(trigger.Event), matched, reason);
            })
            .ToList();
        LineOutcome Outcome(string? started, string? reason, bool created = false) =>
            new(new LineCheck(line.Id, line.Sku, line.ProductId, line.ProductType, line.Vendor, line.Tags, started, reason, triggers), created);

        var match = published
            .Where(j => j.Definition.Trigger.Matches(line.Sku, line.ProductId, line.ProductType, line.Tags, line.Vendor))
            .OrderBy(j => j.Definition.Id, StringComparer.Ordinal)
            .Cast<(JourneyDefinition Definition, int Version)?>()
            .FirstOrDefault();
        var instanceId = InstanceIdOf(order.Shop, order.OrderId, line.Id);
        var productKey = line.ProductId ?? line.Sku ?? line.Title;
        var active = await customers.ActiveJourneyAsync(profile.Key, productKey, cancellationToken);
        var activeStatus = active is not null && active != instanceId ? await instances.GetAsync(active, cancellationToken) : null;
        var earlierIsLive = activeStatus is { IsActive: true };
        if (earlierIsLive && kind is OrderEventKind.Created or OrderEventKind.Paid)
        {
            // A repeat purchase of the product: the earlier journey hears of it (renewal steps exit or branch on it).
            var data = new JsonObject { ["orderId"] = order.OrderId, ["lineItemId"] = line.Id, ["quantity"] = line.Quantity, ["at"] = at };
            await instances.RaiseEventAsync(active!, "reorder", data, "reorder:" + instanceId, cancellationToken);
            await records.AddAsync("c:" + profile.Key, "reorder", instanceId, data.ToJsonString(), at, cancellationToken);
        }

        if (match is not { } journey)
        {
            return Outcome(null, published.Count == 0 ? "no journey is published" : "no published journey's trigger matches the line");
        }

        if (!Triggers(journey.Definition.Trigger.Event, kind, order))
        {
            if (active == instanceId)
            {
                // This line's journey started on an earlier event (a paid journey hearing of the fulfilment).
                return Outcome(instanceId, "started before");
            }

            return Outcome(null, $"journey '{journey.Definition.Id}' matches, but its trigger event is {TriggerName(journey.Definition.Trigger.Event)}; this event was {EventName(kind, order)}");
        }

        if (earlierIsLive && !journey.Definition.Trigger.AllowConcurrent)
        {
            logger.LogInformation("Not starting {Journey} for {Instance}: the customer's journey {Active} for this product is still running", journey.Definition.Id, instanceId, active);
            return Outcome(null, $"journey '{journey.Definition.Id}' matches, but the customer's journey {active} for this product is still running");
        }

        if (await instances.GetAsync(instanceId, cancellationToken) is not null)
        {
            return Outcome(instanceId, "started before");
        }

        // The purchase (with the customer's name and addresses) stays in our store; the orchestration gets ids only.
        var links = Links(order, line);
        links["referral"] = await attribution.Referrals.IssueAsync(instanceId, journey.Definition.Id, order.Shop, profile.Key, cancellationToken);
        // The chat link names ids only (the customer's profile key and this instance); its token rides in the fragment.
        links["chat"] = chat.Link(profile.Key, instanceId).Url;
        var input = new JourneyInput(journey.Definition.Id, journey.Version, Customer(profile), order.ToModel(), Product(order, line), Brand(order.Shop), links);

        await contexts.SaveAsync(instanceId, input, cancellationToken);
        var created = await instances.StartAsync(
            JourneyFunctionNames.Orchestrator, instanceId, new JourneyRun { JourneyId = journey.Definition.Id, Version = journey.Version }, cancellationToken);
        await customers.SetActiveJourneyAsync(profile.Key, productKey, instanceId, cancellationToken);
        await attribution.StartedAsync(instanceId, journey.Definition.Id, at, cancellationToken);
        return Outcome(instanceId, null, created);
    }

    /// <summary>How a trigger event reads in a check: a delivered journey starts at fulfilment and waits there for the report.</summary>
    private static string TriggerName(TriggerEvent trigger) => trigger switch
    {
        TriggerEvent.Paid => "paid",
        TriggerEvent.Fulfilled => "fulfilled",
        _ => "delivered (started at fulfilment)",
    };

    private static string EventName(OrderEventKind kind, StoreOrder order) =>
        kind == OrderEventKind.Created && order.FinancialStatus != "paid" ? $"created (financial status {order.FinancialStatus ?? "unknown"})" : kind.ToString().ToLowerInvariant();

    /// <summary>
    /// Whether an order event starts a journey with this trigger. A "delivered" journey starts at fulfilment and waits
    /// there for the delivery report (or its fallback timer); a Shopify order created already paid counts as paid.
    /// </summary>
    private static bool Triggers(TriggerEvent trigger, OrderEventKind kind, StoreOrder order) => trigger switch
    {
        TriggerEvent.Paid => kind == OrderEventKind.Paid || (kind == OrderEventKind.Created && order.FinancialStatus == "paid"),
        _ => kind == OrderEventKind.Fulfilled,
    };

    private async Task<(string, string?)> FulfillmentAsync(FulfillmentEvent e, string webhookKey, CancellationToken cancellationToken)
    {
        var known = await customers.GetOrderAsync(e.Shop, e.OrderId, cancellationToken) ?? throw new OrderNotYetKnownException(e.Shop, e.OrderId);
        var (customerKey, order) = known;
        var lines = order.LineItems.Where(l => e.LineItemIds.Count == 0 || e.LineItemIds.Contains(l.Id)).ToList();
        var delivered = string.Equals(e.ShipmentStatus, "delivered", StringComparison.OrdinalIgnoreCase);
        var fulfilled = order with
        {
            FulfilledAt = order.FulfilledAt ?? e.At,
            DeliveredAt = delivered ? order.DeliveredAt ?? e.At : order.DeliveredAt,
        };
        var profile = await customers.GetAsync(customerKey, cancellationToken);
        if (profile is null)
        {
            throw new OrderNotYetKnownException(e.Shop, e.OrderId);
        }

        await customers.SaveAsync(profile, fulfilled, cancellationToken);
        var published = await journeys.LatestAsync(cancellationToken);
        var checks = new List<LineCheck>();
        foreach (var line in lines)
        {
            // A fulfilment starts the journeys that begin at fulfilment (or delivery) if orders/fulfilled did not.
            checks.Add((await LineAsync(OrderEventKind.Fulfilled, fulfilled, line, profile, published, e.At, cancellationToken)).Line);
            if (delivered)
            {
                await instances.RaiseEventAsync(
                    InstanceIdOf(e.Shop, e.OrderId, line.Id),
                    JourneyInterpreter.Events.Delivered,
                    new JsonObject { ["deliveredAt"] = e.At },
                    "delivered:" + webhookKey + ":" + line.Id,
                    cancellationToken);
            }
        }

        await KeepCheckAsync(fulfilled, OrderEventKind.Fulfilled, e.At, checks, cancellationToken);
        return (delivered ? $"delivered: {lines.Count} line(s)" : $"fulfilment {e.ShipmentStatus ?? e.Status}", customerKey);
    }

    private async Task<(string, string?)> RefundAsync(RefundEvent e, CancellationToken cancellationToken)
    {
        var known = await customers.GetOrderAsync(e.Shop, e.OrderId, cancellationToken);
        var lines = e.Full || e.LineItemIds.Count == 0 ? known?.Order.LineItems.Select(l => l.Id).ToList() ?? [] : e.LineItemIds.ToList();
        return (await EndAsync(e.Shop, e.OrderId, lines, "refunded", e.At, cancellationToken), known?.CustomerKey);
    }

    /// <summary>
    /// Ends the journeys of an order's lines (terminated: nothing more is sent, queued sends included). The instances
    /// port counts each accepted termination's outcome; a journey a run of this handler ended before it stopped
    /// (terminated with this reason) is counted here. A journey that had finished on its own is not counted again.
    /// </summary>
    private async Task<string> EndAsync(string shop, string orderId, List<string> lineIds, string reason, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (lineIds.Count == 0 && await customers.GetOrderAsync(shop, orderId, cancellationToken) is { } known)
        {
            lineIds = known.Order.LineItems.Select(l => l.Id).ToList();
        }

        var ended = 0;
        foreach (var line in lineIds)
        {
            var instanceId = InstanceIdOf(shop, orderId, line);
            var result = await instances.TerminateAsync(instanceId, reason, cancellationToken);
            ended += result == InstanceOperation.Accepted ? 1 : 0;
            // A termination the engine accepted counted its outcome already (the instances port counts it, named by
            // the reason); a journey a run of this handler terminated before it stopped is counted here.
            if (result == InstanceOperation.Gone && await instances.GetAsync(instanceId, cancellationToken) is { } state
                && state.Status == InstanceStatus.Terminated && OrderAttribution.OutputIs(state.Output, reason))
            {
                await attribution.EndedAsync(instanceId, state, reason == "refunded" ? "refunded" : "cancelled", at, cancellationToken);
            }
        }

        return $"{reason}: {ended} journey(s) ended";
    }

    private async Task RecordOrderConsentAsync(StoreOrder order, CustomerProfile profile, CancellationToken cancellationToken)
    {
        var at = order.ProcessedAt ?? order.CreatedAt ?? DateTimeOffset.UtcNow;
        if (profile.Phone is { } phone)
        {
            // The number given for the order allows service messages about it (order and usage help), not marketing.
            await consent.RecordAsync(new ConsentChange(ContactChannel.Sms, phone, ConsentAction.ServiceGranted, at, $"{order.Source} checkout", $"order {order.Name ?? order.OrderId}", $"order:{order.Shop}:{order.OrderId}:sms", profile.Key), cancellationToken);
            if (order.SmsMarketing is { } sms)
            {
                await consent.RecordAsync(new ConsentChange(ContactChannel.Sms, phone, sms.Granted ? ConsentAction.MarketingGranted : ConsentAction.MarketingWithdrawn, sms.At ?? at, sms.Source, null, $"order:{order.Shop}:{order.OrderId}:smsm", profile.Key), cancellationToken);
            }
        }

        if (profile.Email is { } email && order.EmailMarketing is { } mail)
        {
            await consent.RecordAsync(new ConsentChange(ContactChannel.Email, email, mail.Granted ? ConsentAction.MarketingGranted : ConsentAction.MarketingWithdrawn, mail.At ?? at, mail.Source, null, $"order:{order.Shop}:{order.OrderId}:emailm", profile.Key), cancellationToken);
        }
    }

    private async Task<(string, string?)> ConsentAsync(ConsentEvent e, string webhookKey, CancellationToken cancellationToken)
    {
        var profile = await customers.FindAsync(e.Shop, e.CustomerId, e.Sms ? null : e.Address, e.Sms ? E164.Of(e.Address, null) : null, cancellationToken);
        var address = e.Sms ? E164.Of(e.Address, profile?.CountryCode) ?? profile?.Phone : e.Address?.ToLowerInvariant() ?? profile?.Email;
        var action = e.State?.ToLowerInvariant() switch
        {
            "subscribed" => ConsentAction.MarketingGranted,
            "unsubscribed" or "not_subscribed" => ConsentAction.MarketingWithdrawn,

            // WhatsApp: the customer opted in to messages there (service), or out of them altogether.
            "opted_in" when e.Channel == ContactChannel.WhatsApp => ConsentAction.OptedIn,
            "opted_out" when e.Channel == ContactChannel.WhatsApp => ConsentAction.OptedOut,
            _ => (ConsentAction?)null,
        };
        // The stored body names the customer: tie it to their key even when they never ordered, so erasing them finds it.
        var key = profile?.Key ?? UnknownCustomerKey(e.Shop, e.CustomerId, e.Sms ? null : address, e.Sms ? address : null);
        if (address is null || action is null)
        {
            return ($"consent {e.State ?? "(no state)"}: nothing to record", key);
        }

        await consent.RecordAsync(
            new ConsentChange(e.Channel, address, action.Value, e.At, $"{e.Source} consent update", $"state={e.State}; opt_in_level={e.OptInLevel}", $"{e.Source}:{e.Shop}:{webhookKey}", profile?.Key),
            cancellationToken);
        return ($"consent {action}", key);
    }

    /// <summary>The key a customer we have no profile for would have (as <see cref="CustomerStore.KeyOf"/> makes it).</summary>
    private static string? UnknownCustomerKey(string shop, string? customerId, string? email, string? e164) =>
        customerId is null && email is null && e164 is null ? null : CustomerStore.KeyOf(shop, new StoreCustomer(customerId, null, null, email, null, null), e164);

    /// <summary>
    /// <c>customers/data_request</c>: recorded with the customer (their export is built when an admin fetches it,
    /// <c>GET /api/admin/customers/{key}/export</c>); <c>customers/redact</c>: the customer is erased everywhere.
    /// </summary>
    private async Task<(string, string?)> PrivacyAsync(PrivacyEvent e, CancellationToken cancellationToken)
    {
        var profile = await customers.FindAsync(e.Shop, e.CustomerId, e.Email, E164.Of(e.Phone, null), cancellationToken);
        if (profile is null)
        {
            if (!e.Erase)
            {
                return ("privacy: no such customer", null);
            }

            // Someone who never ordered: what we kept of them (consent updates, their number's consent rows,
            // conversations, rejected webhooks naming them) still goes.
            var phone = E164.Of(e.Phone, null);
            var email = e.Email?.ToLowerInvariant();
            var key = UnknownCustomerKey(e.Shop, e.CustomerId, email, phone);
            var gone = key is null ? null : await erasure.EraseAsync(key, cancellationToken, (e.Shop, e.CustomerId, email, phone));
            return (gone is { Found: true } ? "privacy: erased (a customer with no orders)" : "privacy: no such customer", null);
        }

        if (!e.Erase)
        {
            await records.AddAsync("c:" + profile.Key, "data_request", e.RequestId ?? e.At.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), new JsonObject { ["requestId"] = e.RequestId, ["at"] = e.At }.ToJsonString(), e.At, cancellationToken);
            logger.LogInformation("Data request {RequestId} for a customer of {Shop}: the admin API exports it", e.RequestId, e.Shop);
            return ("privacy: data request recorded (GET /api/admin/customers/{id}/export)", profile.Key);
        }

        var erased = await erasure.EraseAsync(profile.Key, cancellationToken);
        return ($"privacy: erased ({erased.Orders} orders, {erased.Journeys} journeys ended)", null);
    }

    private static JsonObject Customer(CustomerProfile p) => new()
    {
        ["id"] = p.Key,
        ["first_name"] = p.FirstName,
        ["last_name"] = p.LastName,
        ["name"] = string.Join(' ', new[] { p.FirstName, p.LastName }.OfType<string>()),
        ["email"] = p.Email,
        ["phone"] = p.Phone,
        ["locale"] = p.Locale,
        ["time_zone"] = p.TimeZone,
        ["country_code"] = p.CountryCode,
        ["province_code"] = p.ProvinceCode,
    };

    private static JsonObject Product(StoreOrder order, StoreLineItem line)
    {
        var product = StoreOrder.LineModel(line);
        product["id"] = line.ProductId;
        product["url"] = order.Source == StoreSources.Shopify ? $"https://{order.Shop}/products" : null;
        return product;
    }

    private JsonObject Brand(string shop) => PurchaseModel.Brand(brand, shop);

    private static JsonObject Links(StoreOrder order, StoreLineItem line) => PurchaseModel.Links(order.Source, order.Shop, line.VariantId, line.Quantity);
}
