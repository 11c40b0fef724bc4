using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PxFunctions.Configuration;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests;

public sealed class HealthTests(StorageFixture storage)
{
    [Fact]
    public async Task Health_StorageReachable_Is200Healthy()
    {
        await using var host = await AppHost.StartAsync(storage);

        using var response = await host.Client.GetAsync("/api/health", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("standalone", body.GetProperty("mode").GetString());
        foreach (var service in new[] { "tables", "queues", "blobs" })
        {
            Assert.True(body.GetProperty("storage").GetProperty(service).GetProperty("reachable").GetBoolean(), service);
        }
    }

    [Fact]
    public async Task Health_StorageUnreachable_Is503NamingEachService()
    {
        // A well-formed account on a loopback port where nothing listens.
        var port = AppHost.FreePort();
        var unreachable = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + Convert.ToBase64String(new byte[64]) +
            $";BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
        await using var host = await AppHost.StartAsync(storage, new Dictionary<string, string?>
        {
            [SettingNames.Storage] = unreachable,
            [SettingNames.DispatcherEnabled] = "false",
        });

        using var response = await host.Client.GetAsync("/api/health", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
        foreach (var service in new[] { "tables", "queues", "blobs" })
        {
            var check = body.GetProperty("storage").GetProperty(service);
            Assert.False(check.GetProperty("reachable").GetBoolean(), service);
            Assert.False(string.IsNullOrEmpty(check.GetProperty("error").GetString()), service);
        }
    }

    [Fact]
    public async Task UnknownRoute_Is404ProblemJson()
    {
        await using var host = await AppHost.StartAsync(storage);

        using var response = await host.Client.GetAsync("/api/nothing-here", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
