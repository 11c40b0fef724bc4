using Azure;
using Azure.Data.Tables;

namespace PxFunctions.Runtime;

/// <summary>
/// Where sends go once handed on. Called at least once per effect id; an implementation must act at most once per
/// effect id (a message log keyed by it, and the channel's own idempotency key derived from it).
/// </summary>
public interface IEffectSink
{
    Task SendAsync(EffectMessage effect, CancellationToken cancellationToken);
}

/// <summary>Takes effect-queue messages and hands them to the <see cref="IEffectSink"/>.</summary>
public sealed class EffectDispatcher(IEffectSink sink)
{
    public Task DispatchAsync(string messageText, CancellationToken cancellationToken) =>
        sink.SendAsync(EffectMessage.Parse(messageText), cancellationToken);
}

/// <summary>
/// The default sink until a channel is configured: records each effect once in the <c>Effects</c> table
/// (row key = effect id, so a redelivered effect is recognised and not recorded again).
/// </summary>
public sealed class EffectLogSink(RuntimeStorage storage, TimeProvider time) : IEffectSink
{
    /// <summary>Effects recorded for the first time by this process (tests and benchmarks read it).</summary>
    public long FirstDeliveries => Interlocked.Read(ref _firstDeliveries);

    private long _firstDeliveries;

    public async Task SendAsync(EffectMessage effect, CancellationToken cancellationToken)
    {
        try
        {
            await storage.Effects.AddEntityAsync(
                new TableEntity(effect.InstanceId, effect.EffectId.Replace('/', '|'))
                {
                    ["Channel"] = effect.Channel,
                    ["Payload"] = effect.Payload,
                    ["DispatchedAt"] = time.GetUtcNow(),
                },
                cancellationToken);
            Interlocked.Increment(ref _firstDeliveries);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Delivered before: nothing to do.
        }
    }
}
