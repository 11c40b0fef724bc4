using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Compliance;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Tests.Journeys;

namespace PxFunctions.Tests.Infrastructure;

/// <summary>Customers on journeys, and what they and the admin do over HTTP: the steps many end-to-end tests share.</summary>
public static class TestCustomers
{
    /// <summary>
    /// Starts <paramref name="journey"/> v1 for a new customer in a zone where it is daytime now (so quiet hours never
    /// hold a text), with service consent on <paramref name="phone"/> when there is one; returns the instance id.
    /// </summary>
    public static async Task<string> StartJourneyAsync(AppHost host, string journey, string name, string? phone, string? email)
    {
        var id = $"shop.example:{name}:{Guid.NewGuid():N}"[..40];
        var order = Samples.Order(timeZone: Samples.DaytimeZone(), phone: phone);
        order["customer"]!["id"] = "cust-" + name + id[^6..];
        order["customer"]!["first_name"] = name;
        order["customer"]!["email"] = email;
        if (phone is not null)
        {
            await host.Services.GetRequiredService<ConsentLedger>().RecordAsync(
                new ConsentChange(ContactChannel.Sms, phone, ConsentAction.ServiceGranted, DateTimeOffset.UtcNow, "checkout", null, "order:" + id), CancellationToken.None);
        }

        await Journeys.StartAsync(host.Services, id, new JourneyInput(journey, 1, order["customer"]!.AsObject(), order["order"]!.AsObject(), [], [], []));
        return id;
    }

    /// <summary>An inbound SMS as Event Grid delivers ACS's <c>SMSReceived</c> to the app.</summary>
    public static async Task PostSmsAsync(AppHost host, string messageId, string from, string text)
    {
        var body = $$"""
            [{ "id": "{{messageId}}", "topic": "/x", "subject": "/phonenumber/18005550100", "eventType": "Microsoft.Communication.SMSReceived",
               "eventTime": "2026-03-10T15:00:00Z", "dataVersion": "1.0", "metadataVersion": "1",
               "data": { "messageId": "{{messageId}}", "from": "{{from}}", "to": "+18005550100", "message": "{{text}}", "receivedTimestamp": "{{DateTimeOffset.UtcNow:O}}" } }]
            """;
        using var response = await host.Client.PostAsync("/api/events/acs?secret=event-grid-secret-for-tests", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>An admin GET with the key.</summary>
    public static async Task<HttpResponseMessage> AdminGetAsync(AppHost host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("x-functions-key", AppHost.AdminKey);
        return await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>An admin GET with the key that must answer 200 with JSON.</summary>
    public static async Task<JsonNode> AdminJsonAsync(AppHost host, string path)
    {
        using var response = await AdminGetAsync(host, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
    }
}
