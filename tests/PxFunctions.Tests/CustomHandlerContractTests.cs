using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Configuration;
using PxFunctions.Tests.Infrastructure;
using PxFunctions.Triggers;

namespace PxFunctions.Tests;

/// <summary>
/// The Functions host's custom-handler contract, posted over real HTTP to an app started as the host starts it
/// (FUNCTIONS_CUSTOMHANDLER_PORT, listening on loopback, no in-process dispatcher).
/// </summary>
public sealed class CustomHandlerContractTests(StorageFixture storage) : IAsyncLifetime
{
    private AppHost _host = null!;

    private RecordingQueueFunction Queue => _host.Services.GetRequiredService<RecordingQueueFunction>();

    public async ValueTask InitializeAsync()
    {
        var port = AppHost.FreePort();
        _host = await AppHost.StartAsync(
            storage,
            new Dictionary<string, string?> { [SettingNames.CustomHandlerPort] = port.ToString(System.Globalization.CultureInfo.InvariantCulture), [SettingNames.QueuesMaxDequeueCount] = "3" },
            services => services
                .AddQueueFunction<RecordingQueueFunction>(RecordingQueueFunction.Name, RecordingQueueFunction.Queue)
                .AddTimerFunction<RecordingTimerFunction>(RecordingTimerFunction.Name, "0 0 * * * *"));
        Assert.Equal(port, _host.BaseAddress.Port);
        await _host.Services.GetRequiredService<PxFunctions.Storage.StorageBootstrap>().Ready;
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    // The payload the host sends for a queue trigger (Azure Functions custom handler docs).
    private static string QueuePayload(string message, int dequeueCount) => $$"""
        {
          "Data": { "msg": {{JsonSerializer.Serialize(message)}} },
          "Metadata": {
            "DequeueCount": {{dequeueCount}},
            "ExpirationTime": "2026-11-30T10:00:00+00:00",
            "Id": "5f8a3c1e-8d3e-4a39-9b73-0c7d8c8f6a11",
            "InsertionTime": "2026-11-23T10:00:00+00:00",
            "NextVisibleTime": "2026-11-23T10:10:00+00:00",
            "PopReceipt": "AgAAAAMAAAAAAAAA",
            "sys": { "MethodName": "Echo", "UtcNow": "2026-11-23T10:00:01.000Z", "RandGuid": "0b4c6a3e-1111-2222-3333-444455556666" }
          }
        }
        """;

    private Task<HttpResponseMessage> PostAsync(string function, string json) =>
        _host.Client.PostAsync("/" + function, new StringContent(json, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

    [Fact]
    public async Task QueueInvocation_DocumentedPayload_RunsFunctionAndAnswersOutputsLogsReturnValue()
    {
        using var response = await PostAsync(RecordingQueueFunction.Name, QueuePayload("hello", 1));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(JsonValueKind.Object, body.RootElement.GetProperty("Outputs").ValueKind);
        Assert.Equal("echo hello", body.RootElement.GetProperty("Logs")[0].GetString());
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("ReturnValue").ValueKind);

        var received = Assert.Single(Queue.Received);
        Assert.Equal("hello", received.Message);
        Assert.Equal("5f8a3c1e-8d3e-4a39-9b73-0c7d8c8f6a11", received.MessageId);
        Assert.Equal(1, received.DequeueCount);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), received.InsertedOn);
    }

    [Fact]
    public async Task QueueInvocation_JsonObjectMessage_ArrivesAsItsJsonText()
    {
        using var response = await PostAsync(RecordingQueueFunction.Name, """{"Data":{"msg":{"orderId":42}},"Metadata":{"DequeueCount":"2"}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(Queue.Received);
        Assert.Equal("""{"orderId":42}""", received.Message);
        Assert.Equal(2, received.DequeueCount);
    }

    [Fact]
    public async Task QueueInvocation_FunctionFailsBeforeLastAttempt_Answers500SoTheHostRetries()
    {
        using var response = await PostAsync(RecordingQueueFunction.Name, QueuePayload("always-fail", 1));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var poison = await _host.Services.GetRequiredService<PoisonMessageStore>().ListAsync(10, TestContext.Current.CancellationToken);
        Assert.Empty(poison);
    }

    [Fact]
    public async Task QueueInvocation_FunctionFailsOnLastAttempt_RecordsPoisonWithReasonAndAnswers200()
    {
        using var response = await PostAsync(RecordingQueueFunction.Name, QueuePayload("always-fail 7", 3));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var poison = Assert.Single(await _host.Services.GetRequiredService<PoisonMessageStore>().ListAsync(10, TestContext.Current.CancellationToken));
        Assert.Equal("always-fail 7", poison.Message);
        Assert.Equal(RecordingQueueFunction.Name, poison.Function);
        Assert.Equal(3, poison.DequeueCount);
        Assert.Contains("refusing 'always-fail 7' on attempt 3", poison.Reason, StringComparison.Ordinal);

        var poisonQueue = _host.Storage.Queues.GetQueueClient(_host.Storage.Names.PoisonQueue(RecordingQueueFunction.Queue));
        var copied = await poisonQueue.ReceiveMessageAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("always-fail 7", copied.Value.Body.ToString());
    }

    [Fact]
    public async Task TimerInvocation_DocumentedPayload_RunsFunction()
    {
        const string payload = """
            {
              "Data": {
                "timer": {
                  "Schedule": { "AdjustForDST": true },
                  "ScheduleStatus": { "Last": "2026-11-23T09:00:00+00:00", "Next": "2026-11-23T10:00:00+00:00", "LastUpdated": "2026-11-23T09:00:00+00:00" },
                  "IsPastDue": true
                }
              },
              "Metadata": { "sys": { "MethodName": "Tick", "UtcNow": "2026-11-23T10:00:00.1Z", "RandGuid": "8a3d2f0e-0000-4000-8000-000000000001" } }
            }
            """;

        using var response = await PostAsync(RecordingTimerFunction.Name, payload);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("tick", body.GetProperty("Logs")[0].GetString());
        var tick = Assert.Single(_host.Services.GetRequiredService<RecordingTimerFunction>().Received);
        Assert.True(tick.IsPastDue);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), tick.ScheduledFor);
    }

    [Fact]
    public async Task HeartbeatTimer_InvokedByHost_ShowsInHealth()
    {
        using var response = await PostAsync("Heartbeat", """{"Data":{"timer":{"IsPastDue":false}},"Metadata":{}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var health = await _host.Client.GetFromJsonAsync<JsonElement>("/api/health", TestContext.Current.CancellationToken);
        Assert.Equal("customHandler", health.GetProperty("mode").GetString());
        Assert.Equal(JsonValueKind.String, health.GetProperty("lastHeartbeat").ValueKind);
    }

    [Theory]
    [InlineData("not json", "$")]
    [InlineData("""{"Metadata":{}}""", "Data")]
    [InlineData("""{"Data":{"other":"x"}}""", "Data.msg")]
    public async Task QueueInvocation_MalformedPayload_Is400ProblemNamingTheField(string payload, string field)
    {
        using var response = await PostAsync(RecordingQueueFunction.Name, payload);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Empty(Queue.Received);
    }

    [Fact]
    public async Task Invocation_UnknownFunction_Is404Problem()
    {
        using var response = await PostAsync("NoSuchFunction", QueuePayload("x", 1));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task CustomHandlerMode_NoDispatcher_LeavesQueueToTheHost()
    {
        var queue = _host.Storage.Queue(RecordingQueueFunction.Queue);
        await queue.SendMessageAsync("for the host", TestContext.Current.CancellationToken);

        await Task.Delay(500, TestContext.Current.CancellationToken);

        Assert.Empty(Queue.Received);
        var properties = await queue.GetPropertiesAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, properties.Value.ApproximateMessagesCount);
    }
}
