using System.Text.Json.Nodes;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Configuration;
using PxFunctions.Intake.Customers;
using PxFunctions.Intake.Lifecycle;
using PxFunctions.Intake.Storefronts;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Storage;
using PxFunctions.Triggers;

namespace PxFunctions.Intake;

/// <summary>Wires the storefront intake: webhook inbox, customer store, the lifecycle processor and its queue function.</summary>
public static class IntakeRegistration
{
    public const string ProcessFunction = "ProcessWebhook";

    public static IServiceCollection AddPxIntake(this IServiceCollection services, PxSettings settings)
    {
        services.AddSingleton(new StorefrontSecrets(
            WebhookSecrets.Parse(settings.ShopifySecrets), WebhookSecrets.Parse(settings.WooCommerceSecrets), WebhookSecrets.Parse(settings.OrdersSecrets)));
        services.AddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<StorageAccount>();
            return new WebhookInbox(
                storage.Table(WebhookInbox.DeliveriesTable),
                storage.Table(WebhookInbox.RejectedTable),
                storage.Blobs.GetBlobContainerClient(storage.Names.Container(WebhookInbox.Container)),
                storage.Queue(WebhookInbox.Queue));
        });
        services.AddSingleton(sp => new CustomerStore(sp.GetRequiredService<StorageAccount>().Table(CustomerStore.CustomersTable), sp.GetRequiredService<StorageAccount>().Table(CustomerStore.OrdersTable), sp.GetRequiredService<AddressHasher>()));
        services.AddSingleton<IPublishedJourneys, PublishedJourneys>();
        services.AddSingleton(sp => new JourneyContextStore(sp.GetRequiredService<StorageAccount>().Table(JourneyContextStore.TableName)));
        services.AddSingleton<IJourneyContexts>(sp => sp.GetRequiredService<JourneyContextStore>());
        services.AddSingleton(sp => sp.GetRequiredService<DispatchSettings>().Brand);
        services.AddSingleton(sp => new OrderAttribution(sp.GetRequiredService<PxFunctions.Channels.Dispatch.MessageLog>(), sp.GetRequiredService<PxFunctions.Channels.Metrics.MetricsStore>(), sp.GetRequiredService<PxFunctions.Channels.Links.ReferralLinks>(), settings.AttributionWindow));
        services.AddSingleton<IntakeProcessor>();
        foreach (var table in new[] { JourneyContextStore.TableName, WebhookInbox.DeliveriesTable, WebhookInbox.RejectedTable, CustomerStore.CustomersTable, CustomerStore.OrdersTable })
        {
            services.AddStorageResource(StorageResource.Table(table));
        }

        services.AddStorageResource(StorageResource.Container(WebhookInbox.Container));
        services.AddQueueFunction<ProcessWebhookFunction>(ProcessFunction, WebhookInbox.Queue);
        return services;
    }
}

/// <summary>The signing secrets of each storefront source.</summary>
public sealed record StorefrontSecrets(WebhookSecrets Shopify, WebhookSecrets WooCommerce, WebhookSecrets Orders);

/// <summary>
/// The latest published version of every journey: read again after a publish in this process, and at most every 30
/// seconds otherwise (another instance may have published).
/// </summary>
public sealed class PublishedJourneys(JourneyCatalog catalog, TimeProvider time) : IPublishedJourneys, IDisposable
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset At, long Generation, IReadOnlyList<(JourneyDefinition, int)> Journeys)? _cached;

    public async Task<IReadOnlyList<(JourneyDefinition Definition, int Version)>> LatestAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } fresh && time.GetUtcNow() - fresh.At < Freshness && fresh.Generation == catalog.Generation)
        {
            return fresh.Journeys;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var generation = catalog.Generation;
            var list = new List<(JourneyDefinition, int)>();
            foreach (var (id, _, latest) in await catalog.ListAsync(cancellationToken))
            {
                if (latest?.Version is { } version && await catalog.GetPublishedAsync(id, version, cancellationToken) is { } definition)
                {
                    list.Add((definition, version));
                }
            }

            _cached = (time.GetUtcNow(), generation, list);
            return list;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}

/// <summary>Processes an accepted webhook off the intake queue: parse its stored body, act on it.</summary>
public sealed class ProcessWebhookFunction(WebhookInbox inbox, IntakeProcessor processor, ILogger<ProcessWebhookFunction> logger) : IQueueFunction
{
    public async Task RunAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        var message = IntakeMessage.Parse(invocation.Message);
        if (await inbox.BodyAsync(message, cancellationToken) is not { } stored)
        {
            // An erasure deleted it: this delivery was processed before (a redaction deletes its own body last).
            await inbox.MarkProcessedAsync(message, "body erased", cancellationToken);
            invocation.Log.Add("body erased");
            return;
        }

        var body = JsonNode.Parse(stored.ToMemory().Span)!;
        var storeEvent = message.Source switch
        {
            StoreSources.Shopify => ShopifyPayloads.Parse(message.Topic, message.Shop, body, message.TriggeredAt ?? message.ReceivedAt),
            StoreSources.WooCommerce => WooCommercePayloads.Parse(message.Topic, message.Shop, body, message.ReceivedAt),
            _ => GenericPayloads.Parse(body).Event,
        };
        var outcome = await processor.HandleAsync(storeEvent, message, cancellationToken);
        await inbox.MarkProcessedAsync(message, outcome, cancellationToken);
        invocation.Log.Add(outcome);
        logger.LogInformation("Webhook {Source} {Topic} from {Shop}: {Outcome}", message.Source, message.Topic, message.Shop, outcome);
    }
}
