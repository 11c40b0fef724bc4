using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using PxFunctions.Http;

namespace PxFunctions.Functions;

/// <summary>
/// The HTTP functions. Each runs the endpoint of the same name in the app's one route table
/// (<see cref="HttpFunctionRoutes"/>); a test checks that names, methods, routes and key levels agree with it.
/// Functions that reach journeys bind a Durable client and hand it to <see cref="FunctionsJourneyInstances"/>.
/// </summary>
public sealed class HttpFunctions(HttpFunctionRoutes routes)
{
    private const AuthorizationLevel Anonymous = AuthorizationLevel.Anonymous;
    private const AuthorizationLevel Key = AuthorizationLevel.Function;

    private IResult Run(string name, DurableTaskClient? client = null)
    {
        if (client is not null)
        {
            FunctionsJourneyInstances.Use(client);
        }

        return routes.Run(name);
    }

    // Storefronts.
    [Function("ShopifyWebhook")]
    public IResult ShopifyWebhook([HttpTrigger(Anonymous, "post", Route = "webhooks/shopify")] HttpRequest request) => Run("ShopifyWebhook");

    [Function("WooCommerceWebhook")]
    public IResult WooCommerceWebhook([HttpTrigger(Anonymous, "post", Route = "webhooks/woocommerce")] HttpRequest request) => Run("WooCommerceWebhook");

    [Function("OrdersWebhook")]
    public IResult OrdersWebhook([HttpTrigger(Anonymous, "post", Route = "webhooks/orders")] HttpRequest request) => Run("OrdersWebhook");

    [Function("ListRejectedWebhooks")]
    public IResult ListRejectedWebhooks([HttpTrigger(Key, "get", Route = "admin/webhooks/rejected")] HttpRequest request) => Run("ListRejectedWebhooks");

    [Function("OrdersWebhookSchema")]
    public IResult OrdersWebhookSchema([HttpTrigger(Key, "get", Route = "admin/webhooks/orders-schema")] HttpRequest request) => Run("OrdersWebhookSchema");

    [Function("GetOrder")]
    public IResult GetOrder([HttpTrigger(Key, "get", Route = "admin/orders/{shop}/{orderId}")] HttpRequest request, [DurableClient] DurableTaskClient client) => Run("GetOrder", client);

    // Customers: export and erasure of a customer's data.
    [Function("ExportCustomer")]
    public IResult ExportCustomer([HttpTrigger(Key, "get", Route = "admin/customers/{id}/export")] HttpRequest request, [DurableClient] DurableTaskClient client) => Run("ExportCustomer", client);

    [Function("EraseCustomer")]
    public IResult EraseCustomer([HttpTrigger(Key, "post", Route = "admin/customers/{id}/erase")] HttpRequest request, [DurableClient] DurableTaskClient client) => Run("EraseCustomer", client);

    // Messaging: ACS events, links in emails, inbound email, the dev outbox, message and consent views.
    [Function("AcsEvents")]
    public IResult AcsEvents([HttpTrigger(Anonymous, "post", "options", Route = "events/acs")] HttpRequest request, [DurableClient] DurableTaskClient client) => Run("AcsEvents", client);

    [Function("InboundEmail")]
    public IResult InboundEmail([HttpTrigger(Anonymous, "post", Route = "events/email")] HttpRequest request, [DurableClient] DurableTaskClient client) => Run("InboundEmail", client);

    [Function("AnswerLink")]
    public IResult AnswerLink([HttpTrigger(Anonymous, "get", "post", Route = "r/{token}")] HttpRequest request, [DurableClient] DurableTaskClient client) => Run("AnswerLink", client);

    [Function("UnsubscribeLink")]
    public IResult UnsubscribeLink([HttpTrigger(Anonymous, "get", "post", Route = "u/{token}")] HttpRequest request) => Run("UnsubscribeLink");

    [Function("ReferralLink")]
    public IResult ReferralLink([HttpTrigger(Anonymous, "get", Route = "ref/{token}")] HttpRequest request) => Run("ReferralLink");

    // Web chat: the widget, its hosted page, sessions from signed links, the transcript and replies; links for brands' sites.
    [Function("ChatPage")]
    public IResult ChatPage([HttpTrigger(Anonymous, "get", Route = "chat")] HttpRequest request) => Run("ChatPage");

    [Function("ChatWidget")]
    public IResult ChatWidget([HttpTrigger(Anonymous, "get", Route = "chat/widget.js")] HttpRequest request) => Run("ChatWidget");

    [Function("OpenChatSession")]
    public IResult OpenChatSession([HttpTrigger(Anonymous, "post", "options", Route = "chat/sessions")] HttpRequest request, [DurableClient] DurableTaskClient client) => Run("OpenChatSession", client);

    [Function("ListChatMessages")]
    public IResult ListChatMessages([HttpTrigger(Anonymous, "get", "options", Route = "chat/messages")] HttpRequest request) => Run("ListChatMessages");

    [Function("SendChatMessage")]
    public IResult SendChatMessage([HttpTrigger(Anonymous, "post", Route = "chat/messages")] HttpRequest request, [DurableClient] DurableTaskClient client) => Run("SendChatMessage", client);

    [Function("CreateChatLink")]
    public IResult CreateChatLink([HttpTrigger(Key, "post", Route = "admin/chat/links")] HttpRequest request) => Run("CreateChatLink");

    [Function("DevOutbox")]
    public IResult DevOutbox([HttpTrigger(Key, "get", Route = "dev/outbox")] HttpRequest request) => Run("DevOutbox");

    [Function("DevReply")]
    public IResult DevReply([HttpTrigger(Key, "post", Route = "dev/replies")] HttpRequest request, [DurableClient] DurableTaskClient client) => Run("DevReply", client);

    [Function("ListMessages")]
    public IResult ListMessages([HttpTrigger(Key, "get", Route = "admin/messages")] HttpRequest request) => Run("ListMessages");

    [Function("GetConsent")]
    public IResult GetConsent([HttpTrigger(Key, "get", Route = "admin/consent")] HttpRequest request) => Run("GetConsent");

    // Journeys: definitions, versions, simulation, migration of running instances.
    [Function("ValidateJourney")]
    public IResult ValidateJourney([HttpTrigger(Key, "post", Route = "admin/journeys/validate")] HttpRequest request) => Run("ValidateJourney");

    [Function("SimulateJourney")]
    public IResult SimulateJourney([HttpTrigger(Key, "post", Route = "admin/journeys/simulate")] HttpRequest request) => Run("SimulateJourney");

    [Function("JourneySchema")]
    public IResult JourneySchema([HttpTrigger(Key, "get", Route = "admin/journeys/schema")] HttpRequest request) => Run("JourneySchema");

    [Function("SaveJourneyDraft")]
    public IResult SaveJourneyDraft([HttpTrigger(Key, "post", Route = "admin/journeys")] HttpRequest request) => Run("SaveJourneyDraft");

    [Function("ListJourneys")]
    public IResult ListJourneys([HttpTrigger(Key, "get", Route = "admin/journeys")] HttpRequest request) => Run("ListJourneys");

    [Function("GetJourney")]
    public IResult GetJourney([HttpTrigger(Key, "get", Route = "admin/journeys/{id}")] HttpRequest request) => Run("GetJourney");

    [Function("PublishJourney")]
    public IResult PublishJourney([HttpTrigger(Key, "post", Route = "admin/journeys/{id}/publish")] HttpRequest request) => Run("PublishJourney");

    [Function("ListJourneyVersions")]
    public IResult ListJourneyVersions([HttpTrigger(Key, "get", Route = "admin/journeys/{id}/versions")] HttpRequest request) => Run("ListJourneyVersions");

    [Function("GetJourneyVersion")]
    public IResult GetJourneyVersion([HttpTrigger(Key, "get", Route = "admin/journeys/{id}/versions/{version}")] HttpRequest request) => Run("GetJourneyVersion");

    // Knowledge bases: validate, drafts, versions, and trying a reply against a journey's bases.
    [Function("ValidateKnowledge")]
    public IResult ValidateKnowledge([HttpTrigger(Key, "post", Route = "admin/knowledge/validate")] HttpRequest request) => Run("ValidateKnowledge");

    [Function("TryKnowledge")]
    public IResult TryKnowledge([HttpTrigger(Key, "post", Route = "admin/knowledge/try")] HttpRequest request) => Run("TryKnowledge");

    [Function("SaveKnowledgeDraft")]
    public IResult SaveKnowledgeDraft([HttpTrigger(Key, "post", Route = "admin/knowledge")] HttpRequest request) => Run("SaveKnowledgeDraft");

    [Function("ListKnowledge")]
    public IResult ListKnowledge([HttpTrigger(Key, "get", Route = "admin/knowledge")] HttpRequest request) => Run("ListKnowledge");

    [Function("GetKnowledge")]
    public IResult GetKnowledge([HttpTrigger(Key, "get", Route = "admin/knowledge/{id}")] HttpRequest request) => Run("GetKnowledge");

    [Function("PublishKnowledge")]
    public IResult PublishKnowledge([HttpTrigger(Key, "post", Route = "admin/knowledge/{id}/publish")] HttpRequest request) => Run("PublishKnowledge");

    [Function("GetKnowledgeVersion")]
    public IResult GetKnowledgeVersion([HttpTrigger(Key, "get", Route = "admin/knowledge/{id}/versions/{version}")] HttpRequest request) => Run("GetKnowledgeVersion");

    [Function("MigrateJourneyInstances")]
    public IResult MigrateJourneyInstances([HttpTrigger(Key, "post", Route = "admin/journeys/{id}/migrate")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        Run("MigrateJourneyInstances", client);

    // Handoffs: the desk lists them, an agent takes one, notes it, answers the customer and hands the journey back.
    [Function("ListHandoffs")]
    public IResult ListHandoffs([HttpTrigger(Key, "get", Route = "admin/handoffs")] HttpRequest request) => Run("ListHandoffs");

    [Function("GetHandoff")]
    public IResult GetHandoff([HttpTrigger(Key, "get", Route = "admin/handoffs/{instanceId}")] HttpRequest request, [DurableClient] DurableTaskClient client) => Run("GetHandoff", client);

    [Function("AssignHandoff")]
    public IResult AssignHandoff([HttpTrigger(Key, "post", Route = "admin/handoffs/{instanceId}/assign")] HttpRequest request) => Run("AssignHandoff");

    [Function("AddHandoffNote")]
    public IResult AddHandoffNote([HttpTrigger(Key, "post", Route = "admin/handoffs/{instanceId}/notes")] HttpRequest request) => Run("AddHandoffNote");

    [Function("ReplyToHandoff")]
    public IResult ReplyToHandoff([HttpTrigger(Key, "post", Route = "admin/handoffs/{instanceId}/reply")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        Run("ReplyToHandoff", client);

    [Function("CloseHandoff")]
    public IResult CloseHandoff([HttpTrigger(Key, "post", Route = "admin/handoffs/{instanceId}/close")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        Run("CloseHandoff", client);

    // Operations.
    [Function("Health")]
    public IResult Health([HttpTrigger(Anonymous, "get", Route = "health")] HttpRequest request) => Run("Health");

    // PX metrics.
    [Function("GetMetrics")]
    public IResult GetMetrics([HttpTrigger(Key, "get", Route = "admin/metrics")] HttpRequest request) => Run("GetMetrics");

    [Function("GetMetricsCsv")]
    public IResult GetMetricsCsv([HttpTrigger(Key, "get", Route = "admin/metrics.csv")] HttpRequest request) => Run("GetMetricsCsv");

    [Function("AdminOpenApi")]
    public IResult AdminOpenApi([HttpTrigger(Key, "get", Route = "admin/openapi.json")] HttpRequest request) => Run("AdminOpenApi");

    [Function("ListPoisonMessages")]
    public IResult ListPoisonMessages([HttpTrigger(Key, "get", Route = "admin/poison")] HttpRequest request) => Run("ListPoisonMessages");

    [Function("ListFailedMessages")]
    public IResult ListFailedMessages([HttpTrigger(Key, "get", Route = "admin/messages/failed")] HttpRequest request) => Run("ListFailedMessages");

    // Dashboard: the page, its files and login (the page checks the session itself), and the data only it needs.
    [Function("Dashboard")]
    public IResult Dashboard([HttpTrigger(Anonymous, "get", Route = "dashboard")] HttpRequest request) => Run("Dashboard");

    [Function("DashboardAsset")]
    public IResult DashboardAsset([HttpTrigger(Anonymous, "get", Route = "dashboard/assets/{name}")] HttpRequest request) => Run("DashboardAsset");

    [Function("DashboardLoginPage")]
    public IResult DashboardLoginPage([HttpTrigger(Anonymous, "get", Route = "dashboard/login")] HttpRequest request) => Run("DashboardLoginPage");

    [Function("DashboardLogin")]
    public IResult DashboardLogin([HttpTrigger(Anonymous, "post", Route = "dashboard/login")] HttpRequest request) => Run("DashboardLogin");

    [Function("DashboardLogout")]
    public IResult DashboardLogout([HttpTrigger(Anonymous, "post", Route = "dashboard/logout")] HttpRequest request) => Run("DashboardLogout");

    [Function("DashboardData")]
    public IResult DashboardData([HttpTrigger(Anonymous, "get", "post", Route = "dashboard/data/{*path}")] HttpRequest request, [DurableClient] DurableTaskClient client) => Run("DashboardData", client);

    [Function("FindCustomer")]
    public IResult FindCustomer([HttpTrigger(Key, "post", Route = "admin/customers/find")] HttpRequest request, [DurableClient] DurableTaskClient client) => Run("FindCustomer", client);

    [Function("GetRunningJourneys")]
    public IResult GetRunningJourneys([HttpTrigger(Key, "get", Route = "admin/running")] HttpRequest request, [DurableClient] DurableTaskClient client) => Run("GetRunningJourneys", client);

    [Function("GetJourneyMap")]
    public IResult GetJourneyMap([HttpTrigger(Key, "get", Route = "admin/journeys/{id}/versions/{version}/map")] HttpRequest request) => Run("GetJourneyMap");
}
