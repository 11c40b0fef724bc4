using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Compliance;
using PxFunctions.Storage;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Channels;

/// <summary>
/// Random interleavings of sends (and redeliveries of the same send), STOP and START replies, time passing through
/// quiet hours, and crashes at a random storage call of the next operation (which is then redelivered, as the queue
/// or Event Grid would). Whatever happens: no journey message reaches the number while it is opted out, and no
/// message is delivered twice.
/// </summary>
public sealed class CompliancePropertyTests(StorageFixture storage)
{
    private enum Op
    {
        Send,
        Stop,
        Start,
        Advance,
        CrashNext,
    }

    private sealed record Scenario((Op Op, int Arg)[] Steps)
    {
        public override string ToString() => string.Join(" ", Steps.Select(s => $"{s.Op}:{s.Arg}"));
    }

    private static readonly Gen<Scenario> Scenarios =
        from steps in Gen.Select(Gen.Int[0, 9], Gen.Int[0, 4]).Select(t => (Op: t.Item1 switch { <= 3 => Op.Send, 4 => Op.Stop, 5 => Op.Start, <= 7 => Op.Advance, _ => Op.CrashNext }, Arg: t.Item2)).Array[6, 24]
        select new Scenario(steps);

    [Fact]
    public async Task RandomInterleavings_NeverToAnOptedOutNumber_NeverTwice()
    {
        // 15:00 UTC on a Tuesday; steps of time walk it into New York's night and out again.
        await using var h = await ChannelHarness.StartAsync(storage, new DateTimeOffset(2026, 3, 10, 15, 0, 0, TimeSpan.Zero));
        var counter = h.Host.Services.GetRequiredService<StorageAccount>().Counter;
        var run = 0;

        await Scenarios.SampleAsync(
            async scenario =>
            {
                var n = Interlocked.Increment(ref run);
                var phone = $"+1415555{n:D4}";
                var customer = $"prop-{n}";
                await h.GrantAsync(ContactChannel.Sms, phone, ConsentAction.ServiceGranted, $"grant-{n}");
                var effects = Enumerable.Range(0, 5).Select(i => h.Effect(customer, phone: phone, email: null, instanceId: $"prop-{n}-{i}")).ToArray();
                var optedOut = false;
                var crashAt = 0;
                var inbound = 0;

                async Task RunAsync(Func<Task> operation)
                {
                    var calls = 0;
                    var armed = crashAt;
                    crashAt = 0;
                    counter.BeforeSend = (_, _) =>
                    {
                        if (armed > 0 && ++calls == armed)
                        {
                            throw new InjectedCrashException($"crash at call {armed}");
                        }
                    };
                    try
                    {
                        for (var attempt = 0; ; attempt++)
                        {
                            try
                            {
                                await operation();
                                return;
                            }
                            catch (Exception) when (attempt < 8)
                            {
                                // Redelivered, as the queue or Event Grid would; a send someone still holds waits out its lease.
                                armed = 0;
                                h.Clock.Advance(TimeSpan.FromMinutes(4));
                            }
                        }
                    }
                    finally
                    {
                        counter.BeforeSend = null;
                    }
                }

                foreach (var (op, arg) in scenario.Steps)
                {
                    switch (op)
                    {
                        case Op.Send:
                            var before = h.Acs.Sms.Count(s => s.To == phone && s.Tag?.StartsWith("prop-", StringComparison.Ordinal) == true);
                            await RunAsync(() => h.Sender.SendAsync(effects[arg], CancellationToken.None));
                            var after = h.Acs.Sms.Count(s => s.To == phone && s.Tag?.StartsWith("prop-", StringComparison.Ordinal) == true);
                            Assert.True(!optedOut || after == before, $"a message reached {phone} while it was opted out");
                            break;
                        case Op.Stop:
                            await RunAsync(() => h.Inbound.HandleAsync(phone, arg % 2 == 0 ? "STOP" : "please stop texting me", $"in-{n}-{++inbound}", h.Clock.GetUtcNow(), CancellationToken.None));
                            optedOut = true;
                            break;
                        case Op.Start:
                            await RunAsync(() => h.Inbound.HandleAsync(phone, "START", $"in-{n}-{++inbound}", h.Clock.GetUtcNow(), CancellationToken.None));
                            optedOut = false;
                            break;
                        case Op.Advance:
                            h.Clock.Advance(TimeSpan.FromHours(3 * arg + 1));
                            break;
                        case Op.CrashNext:
                            crashAt = arg + 1;
                            break;
                    }
                }

                // Never twice: one delivery at most per effect, and at most one opt-out confirmation per opt-out.
                var deliveries = h.Acs.Sms.Where(s => s.To == phone && s.Tag?.StartsWith("prop-", StringComparison.Ordinal) == true).GroupBy(s => s.Tag);
                Assert.All(deliveries, g => Assert.Single(g));
                Assert.Equal((await h.Consent.GetAsync(ContactChannel.Sms, phone, CancellationToken.None)).OptedOut, optedOut);
            },
            iter: 40,
            threads: 1);
    }
}
