using Microsoft.Extensions.DependencyInjection.Extensions;
using PxFunctions.Runtime;
using PxFunctions.Storage;
using PxFunctions.Triggers;

namespace PxFunctions.Hosting;

/// <summary>Wires the durable instance runtime into the app: its storage, its two queue functions, its client.</summary>
public static class RuntimeRegistration
{
    public const string ProcessFunction = "ProcessInstanceMessage";
    public const string DispatchFunction = "DispatchEffect";

    public static IServiceCollection AddPxRuntime(this IServiceCollection services)
    {
        services.TryAddSingleton(new RuntimeOptions());
        services.AddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<StorageAccount>();
            return new RuntimeStorage(
                storage.Table(RuntimeStorage.InstancesTable),
                storage.Queue(RuntimeStorage.EventsQueue),
                storage.Queue(RuntimeStorage.OutboxQueue),
                storage.Table(RuntimeStorage.EffectsTable));
        });
        services.AddSingleton<InstanceStore>();
        services.AddSingleton<OutboxRelay>();
        services.AddSingleton<InstanceProcessor>();
        services.AddSingleton<InstanceClient>();
        services.AddSingleton<EffectDispatcher>();
        services.TryAddSingleton<EffectLogSink>();
        services.TryAddSingleton<IEffectSink>(sp => sp.GetRequiredService<EffectLogSink>());
        services.AddStorageResource(StorageResource.Table(RuntimeStorage.InstancesTable));
        services.AddStorageResource(StorageResource.Table(RuntimeStorage.EffectsTable));
        services.AddQueueFunction<InstanceMessageFunction>(ProcessFunction, RuntimeStorage.EventsQueue);
        services.AddQueueFunction<EffectMessageFunction>(DispatchFunction, RuntimeStorage.OutboxQueue);
        return services;
    }

    /// <summary>Applies instance-queue messages (starts, events, timers, control operations).</summary>
    public sealed class InstanceMessageFunction(InstanceProcessor processor) : IQueueFunction
    {
        public async Task RunAsync(QueueInvocation invocation, CancellationToken cancellationToken)
        {
            var outcome = await processor.ProcessAsync(invocation.Message, cancellationToken);
            invocation.Log.Add(outcome.ToString());
        }
    }

    /// <summary>Hands committed sends to the effect sink.</summary>
    public sealed class EffectMessageFunction(EffectDispatcher dispatcher) : IQueueFunction
    {
        public Task RunAsync(QueueInvocation invocation, CancellationToken cancellationToken) =>
            dispatcher.DispatchAsync(invocation.Message, cancellationToken);
    }
}
