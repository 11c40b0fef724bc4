using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests;

/// <summary>The standalone host's Durable-Functions-shaped management API over real HTTP, on the real engine.</summary>
public sealed class ManagementApiTests(StorageFixture storage) : IAsyncLifetime
{
    private const string Base = "/runtime/webhooks/durabletask";
    private AppHost _host = null!;

    private const string Journey = """
        id: waiter
        name: Waiter
        trigger: { event: paid, skus: [SKU-1] }
        locales: [en]
        channels: [sms]
        stages: [Waiting, Done]
        steps:
          - { id: wait, type: goal, event: reorder, within: P30D, reached: thanks, missed: end }
          - { id: thanks, type: setStage, stage: Done }
          - { id: end, type: end, outcome: finished }
        """;

    public async ValueTask InitializeAsync()
    {
        _host = await AppHost.StartAsync(storage);
        var (definition, errors) = JourneyValidator.Validate(Journey);
        Assert.Empty(errors);
        await _host.Services.GetRequiredService<JourneyCatalog>().PublishAsync(definition!, Journey, CancellationToken.None);
    }

    private async Task SaveContextAsync(string id) =>
        await _host.Services.GetRequiredService<IJourneyContexts>().SaveAsync(id, new JourneyInput("waiter", 1, [], [], [], [], []), CancellationToken.None);

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, bool withKey = true)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (withKey)
        {
            request.Headers.Add("x-functions-key", AppHost.AdminKey);
        }

        return await _host.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private async Task<JsonElement> WaitForStatusAsync(string id, string status)
    {
        JsonElement body = default;
        await Eventually.TrueAsync(
            () =>
            {
                using var response = SendAsync(HttpMethod.Get, $"{Base}/instances/{id}").GetAwaiter().GetResult();
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return false;
                }

                body = response.Content.ReadFromJsonAsync<JsonElement>().GetAwaiter().GetResult();
                return body.GetProperty("runtimeStatus").GetString() == status;
            },
            $"{id} to be {status}");
        return body;
    }

    private async Task<JsonElement> StatusAsync(string id)
    {
        using var response = await SendAsync(HttpMethod.Get, $"{Base}/instances/{id}");
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Instance_FullLifecycleThroughTheApi()
    {
        var id = "shop.example:1001:" + Guid.NewGuid().ToString("N")[..6];
        await SaveContextAsync(id);

        using var started = await SendAsync(HttpMethod.Post, $"{Base}/orchestrators/OwnershipJourney/{id}", """{"JourneyId":"waiter","Version":1}""");
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var links = await started.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(id, links.GetProperty("id").GetString());
        Assert.EndsWith($"{Base}/instances/{id}", links.GetProperty("statusQueryGetUri").GetString(), StringComparison.Ordinal);

        var running = await WaitForStatusAsync(id, "Running");
        Assert.Equal("OwnershipJourney", running.GetProperty("name").GetString());
        Assert.Equal(id, running.GetProperty("instanceId").GetString());
        Assert.Equal("waiter", running.GetProperty("input").GetProperty("JourneyId").GetString());
        await Eventually.TrueAsync(
            async () => (await StatusAsync(id)).GetProperty("customStatus") is { ValueKind: JsonValueKind.Object } custom && custom.GetProperty("waitingFor").GetString() == "goal",
            "the journey to wait for its goal");
        var waiting = (await StatusAsync(id)).GetProperty("customStatus");
        Assert.Equal(("Waiting", "wait"), (waiting.GetProperty("stage").GetString(), waiting.GetProperty("step").GetString()));
        Assert.True(running.GetProperty("lastUpdatedTime").GetDateTimeOffset() >= running.GetProperty("createdTime").GetDateTimeOffset());
        using (var status = await SendAsync(HttpMethod.Get, $"{Base}/instances/{id}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, status.StatusCode);
        }

        using (var again = await SendAsync(HttpMethod.Post, $"{Base}/orchestrators/OwnershipJourney/{id}", """{"JourneyId":"waiter","Version":1}"""))
        {
            // A repeated start changes nothing: the same instance, still waiting.
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        using (var history = await SendAsync(HttpMethod.Get, $"{Base}/instances/{id}?showHistory=true"))
        {
            var events = (await history.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("historyEvents");
            Assert.Contains(events.EnumerateArray(), e => e.GetProperty("EventType").ToString() is "ExecutionStarted" or "0");
            Assert.Contains(events.EnumerateArray(), e => e.GetProperty("EventType").ToString() is "TaskCompleted" or "5");
        }

        using (var suspended = await SendAsync(HttpMethod.Post, $"{Base}/instances/{id}/suspend?reason=check"))
        {
            Assert.Equal(HttpStatusCode.Accepted, suspended.StatusCode);
        }

        await WaitForStatusAsync(id, "Suspended");
        using (var resumed = await SendAsync(HttpMethod.Post, $"{Base}/instances/{id}/resume"))
        {
            Assert.Equal(HttpStatusCode.Accepted, resumed.StatusCode);
        }

        await WaitForStatusAsync(id, "Running");
        Assert.Equal(1, (await StatusAsync(id)).GetProperty("input").GetProperty("Version").GetInt32());

        using (var query = await SendAsync(HttpMethod.Get, $"{Base}/instances?runtimeStatus=Running"))
        {
            var list = await query.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            Assert.Contains(list.EnumerateArray(), i => i.GetProperty("instanceId").GetString() == id);
        }

        using (var purgeRunning = await SendAsync(HttpMethod.Delete, $"{Base}/instances/{id}"))
        {
            Assert.Equal(HttpStatusCode.Conflict, purgeRunning.StatusCode);
        }

        using (var terminated = await SendAsync(HttpMethod.Post, $"{Base}/instances/{id}/terminate?reason=refunded"))
        {
            Assert.Equal(HttpStatusCode.Accepted, terminated.StatusCode);
        }

        var final = await WaitForStatusAsync(id, "Terminated");
        Assert.Contains("refunded", final.GetProperty("output").ToString(), StringComparison.Ordinal);
        using (var status = await SendAsync(HttpMethod.Get, $"{Base}/instances/{id}"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, status.StatusCode);
        }

        using (var gone = await SendAsync(HttpMethod.Post, $"{Base}/instances/{id}/raiseEvent/reorder", "{}"))
        {
            Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
            Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
        }

        using (var purged = await SendAsync(HttpMethod.Delete, $"{Base}/instances/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
            Assert.Equal(1, (await purged.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("instancesDeleted").GetInt32());
        }

        using (var missing = await SendAsync(HttpMethod.Get, $"{Base}/instances/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [InlineData("POST", Base + "/orchestrators/OwnershipJourney/ok-id", "{not json", "body")]
    [InlineData("POST", Base + "/orchestrators/OwnershipJourney/ok-id", "{\"Version\":1}", "body.journeyId")]
    [InlineData("POST", Base + "/instances/ok-id/raiseEvent/reorder", "[1]", "body")]
    [InlineData("POST", Base + "/orchestrators/nosuch/ok-id", null, "functionName")]
    [InlineData("GET", Base + "/instances/bad%23id", null, "instanceId")]
    [InlineData("GET", Base + "/instances?runtimeStatus=Sleeping", null, "runtimeStatus")]
    public async Task BadInput_Is400ProblemNamingTheField(string method, string path, string? body, string field)
    {
        using var response = await SendAsync(new HttpMethod(method), path, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task ManagementRoutes_WithoutKey_Are401()
    {
        using var response = await SendAsync(HttpMethod.Get, $"{Base}/instances", withKey: false);
        using var poison = await SendAsync(HttpMethod.Get, "/api/admin/poison", withKey: false);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, poison.StatusCode);
    }

    [Fact]
    public async Task UnparsableMessage_IsPoisonedAtOnceAndListedByTheAdminApi()
    {
        await _host.Storage.Queue(PxFunctions.Intake.Storefronts.WebhookInbox.Queue).SendMessageAsync("not an intake message", TestContext.Current.CancellationToken);

        JsonElement list = default;
        await Eventually.TrueAsync(
            () =>
            {
                using var response = SendAsync(HttpMethod.Get, "/api/admin/poison").GetAwaiter().GetResult();
                list = response.Content.ReadFromJsonAsync<JsonElement>().GetAwaiter().GetResult();
                return list.GetArrayLength() > 0;
            },
            "the poison list to show the message");
        var poison = list[0];
        Assert.Equal("not an intake message", poison.GetProperty("message").GetString());
        Assert.Equal(1, poison.GetProperty("dequeueCount").GetInt64());
        Assert.Contains("FormatException", poison.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }
}
