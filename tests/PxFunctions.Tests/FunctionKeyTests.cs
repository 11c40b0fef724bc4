using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PxFunctions.Configuration;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests;

/// <summary>Standalone, routes that need a key check Px__AdminKey the way the Functions host checks function keys.</summary>
public sealed class FunctionKeyTests(StorageFixture storage)
{
    /// <summary>A keyed admin route without side effects: the poison list.</summary>
    private const string Keyed = "/api/admin/poison";

    private static Task<AppHost> StartAsync(StorageFixture storage, string? adminKey, string environment = "Production") =>
        AppHost.StartAsync(
            storage,
            new Dictionary<string, string?> { [SettingNames.AdminKey] = adminKey, [SettingNames.DispatcherEnabled] = "false" },
            environment: environment);

    private static async Task<HttpResponseMessage> InvokeAsync(AppHost host, string path, string? header = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (header is not null)
        {
            request.Headers.Add("x-functions-key", header);
        }

        return await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task KeyedRoute_NoKey_Is401Problem()
    {
        await using var host = await StartAsync(storage, AppHost.AdminKey);

        using var response = await InvokeAsync(host, Keyed);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task KeyedRoute_WrongKey_Is401()
    {
        await using var host = await StartAsync(storage, AppHost.AdminKey);

        using var response = await InvokeAsync(host, Keyed, header: AppHost.AdminKey + "x");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task KeyedRoute_KeyInHeaderOrCodeQuery_IsAccepted()
    {
        await using var host = await StartAsync(storage, AppHost.AdminKey);

        using var byHeader = await InvokeAsync(host, Keyed, header: AppHost.AdminKey);
        using var byQuery = await InvokeAsync(host, Keyed + "?code=" + Uri.EscapeDataString(AppHost.AdminKey));

        Assert.Equal(HttpStatusCode.OK, byHeader.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byQuery.StatusCode);
    }

    [Fact]
    public async Task KeyedRoute_NoKeyConfiguredOutsideDevelopment_IsRefusedNamingTheSetting()
    {
        await using var host = await StartAsync(storage, adminKey: null);

        using var response = await InvokeAsync(host, Keyed, header: "anything-at-all-really");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Contains("Px__AdminKey", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyedRoute_NoKeyConfiguredInDevelopment_IsOpen()
    {
        await using var host = await StartAsync(storage, adminKey: null, environment: "Development");

        using var response = await InvokeAsync(host, Keyed);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AnonymousRoute_NeedsNoKey()
    {
        await using var host = await StartAsync(storage, AppHost.AdminKey);

        using var response = await host.Client.GetAsync("/api/health", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
