using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PxFunctions.Harness;

/// <summary>The doubles of outside services (ACS, a helpdesk, Azure OpenAI) as real HTTP servers on a free loopback port.</summary>
public static class Loopback
{
    /// <summary>Starts a quiet web app on 127.0.0.1 with the routes <paramref name="map"/> adds; returns it and its base address (no trailing slash).</summary>
    public static async Task<(WebApplication App, string Address)> StartAsync(Action<WebApplication> map, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync(cancellationToken);
        return (app, app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
    }
}
