using System.Text.Json.Nodes;
using PxFunctions.Harness.Soak;

namespace PxFunctions.Tests.Durable;

/// <summary>
/// The short fault soak (<c>-- soak</c>'s engine with a shorter window): the app as a process driven over HTTP,
/// killed with SIGKILL, its Azurite restarted, ACS stalling and refusing requests; nothing accepted may be lost,
/// nothing may reach a customer twice, after their STOP or in their quiet hours.
/// </summary>
public sealed class FaultSoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ShortSoak_WithAppKillsAzuriteRestartsAndAcsFaults_LosesNothing_SendsNothingTwiceAfterStopOrAtNight()
    {
        var options = new SoakOptions
        {
            Orders = 12,
            Seconds = 30,
            KillEverySeconds = (9, 14),
            AzuriteRestarts = 1,
            AcsStalls = 1,
            StallSeconds = 6,
            DrainSeconds = 180,
        };

        var result = await SoakRun.RunAsync(options, output.WriteLine, TestContext.Current.CancellationToken);
        output.WriteLine(result.ToJsonString());

        int Figure(string name) => (int)result[name]!;
        int Fault(string name) => (int)result["faults"]![name]!;
        Assert.True(Fault("app_kills") >= 1, "at least one kill -9 of the app");
        Assert.Equal(1, Fault("azurite_restarts"));
        Assert.Equal(1, Fault("acs_stalls"));
        Assert.True(Fault("acs_refused") > 0, "ACS refused some requests (429/5xx)");

        Assert.Equal(Figure("webhooks_sent"), Figure("webhooks_accepted"));
        Assert.True(Figure("webhook_posts") > Figure("webhooks_sent"), "duplicates and retries were posted");
        Assert.Equal(options.Orders, Figure("journeys_started"));
        Assert.Equal(0, Figure("lost"));
        Assert.Equal(0, Figure("duplicated"));
        Assert.Equal(0, Figure("sent_after_stop"));
        Assert.Equal(0, Figure("sent_in_quiet_hours"));
        Assert.Equal(Figure("night_customers"), Figure("night_customers_held"));
        Assert.True(Figure("messages_expected") > 0);
        Assert.Equal(Figure("replies_accepted"), Figure("replies_answered"));
        Assert.IsType<JsonObject>(result["settings"]);
    }
}
