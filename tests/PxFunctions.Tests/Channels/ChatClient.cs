using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Tests.Infrastructure;
using PxFunctions.Tests.Journeys;

namespace PxFunctions.Tests.Channels;

/// <summary>What the chat widget does over HTTP, for tests: a link from the admin API, a session, polls and replies; and a web chat journey.</summary>
internal static class ChatClient
{
    /// <summary>A web chat journey: it asks for a rating in the chat, thanks the customer for it, and ends.</summary>
    public static string RatingJourney(string id) => $$$"""
        id: {{{id}}}
        name: Chat rating
        trigger: { event: paid, skus: [SERUM-C-30] }
        locales: [en]
        channels: [webchat]
        steps:
          - { id: rate, type: ask, class: service, expect: rating, record: score, timeout: P1D,
              message: { webchat: { en: "Hi {{ customer.first_name }}, how is your serum? Reply 1-5" } } }
          - { id: thanks, type: send, class: service, message: { webchat: { en: "Thanks for the {{ answers.score }}, {{ customer.first_name }}!" } } }
          - { id: done, type: end, outcome: rated }
        """;

    public static async Task PublishAsync(AppHost host, string document)
    {
        var (definition, errors) = JourneyValidator.Validate(document);
        Assert.True(definition is not null, string.Join("; ", errors.Select(e => e.Path + " " + e.Message)));
        await host.Services.GetRequiredService<JourneyCatalog>().PublishAsync(definition!, document, CancellationToken.None);
    }

    /// <summary>Starts <paramref name="journey"/> v1 for the customer; returns the instance id.</summary>
    public static async Task<string> StartAsync(AppHost host, string journey, string customerId, string name)
    {
        var id = $"shop.example:{customerId}:1";
        var order = Samples.Order(timeZone: Samples.DaytimeZone());
        order["customer"]!["id"] = customerId;
        order["customer"]!["first_name"] = name;
        await Infrastructure.Journeys.StartAsync(host.Services, id, new JourneyInput(journey, 1, order["customer"]!.AsObject(), order["order"]!.AsObject(), [], (JsonObject)order["brand"]!.DeepClone(), []));
        return id;
    }

    /// <summary><c>POST /api/admin/chat/links</c> with the key: the link's token and URL.</summary>
    public static async Task<(string Token, string Url)> LinkAsync(AppHost host, string? customerId = null, string? instanceId = null)
    {
        var (status, body) = await SendAsync(host, HttpMethod.Post, "/api/admin/chat/links", new JsonObject { ["customerId"] = customerId, ["instanceId"] = instanceId }, admin: true);
        Assert.Equal(HttpStatusCode.OK, status);
        return ((string)body!["token"]!, (string)body["url"]!);
    }

    /// <summary>Opens a session from a link token; the session token.</summary>
    public static async Task<string> SessionAsync(AppHost host, string linkToken)
    {
        var (status, body) = await SendAsync(host, HttpMethod.Post, "/api/chat/sessions", new JsonObject { ["token"] = linkToken });
        Assert.Equal(HttpStatusCode.OK, status);
        return (string)body!["session"]!;
    }

    public static Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(AppHost host, string session, string id, string text) =>
        SendAsync(host, HttpMethod.Post, "/api/chat/messages", new JsonObject { ["id"] = id, ["text"] = text }, session);

    public static async Task<List<JsonNode>> LinesAsync(AppHost host, string session)
    {
        var (status, body) = await SendAsync(host, HttpMethod.Get, "/api/chat/messages", null, session);
        Assert.Equal(HttpStatusCode.OK, status);
        return body!["lines"]!.AsArray().Select(n => n!).ToList();
    }

    public static async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(AppHost host, HttpMethod method, string path, JsonNode? json, string? session = null, bool admin = false)
    {
        using var response = await RawAsync(host, method, path, json, session, admin);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public static async Task<HttpResponseMessage> RawAsync(AppHost host, HttpMethod method, string path, JsonNode? json, string? session = null, bool admin = false)
    {
        using var request = new HttpRequestMessage(method, path);
        if (session is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
        }

        if (admin)
        {
            request.Headers.Add("x-functions-key", AppHost.AdminKey);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
