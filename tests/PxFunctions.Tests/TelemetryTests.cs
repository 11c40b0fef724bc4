using PxFunctions.Configuration;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests;

public sealed class TelemetryTests(StorageFixture storage)
{
    // The exporter itself is not started in tests: it would also reach Microsoft endpoints (statsbeat, instance
    // metadata) that must not be called from here. Its settings are checked before it is built.
    // A well-formed connection string whose ingestion endpoint is a closed loopback port.
    private static string LoopbackConnectionString() =>
        $"InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=http://127.0.0.1:{AppHost.FreePort()}/";

    [Fact]
    public async Task ApplicationInsightsAuthenticationString_Malformed_StopsStartupNamingIt()
    {
        var ex = await Assert.ThrowsAsync<InvalidSettingException>(() => AppHost.StartAsync(storage, new Dictionary<string, string?>
        {
            [SettingNames.ApplicationInsightsConnectionString] = LoopbackConnectionString(),
            [SettingNames.ApplicationInsightsAuthenticationString] = "ClientId=abc",
        }));

        Assert.Equal(SettingNames.ApplicationInsightsAuthenticationString, ex.SettingName);
    }
}
