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
    public const string PumpFunction = "PumpTimers";

    /// <summary>Every 5 seconds: well inside the runtime's 1-minute timer horizon.</summary>
    public const string PumpSchedule = "*/5 * * * * *";

    /// <param name="partitions">How many partition queues carry instance messages; each gets its own queue function.</param>
    public static IServiceCollection AddPxRuntime(this IServiceCollection services, int partitions)
    {
        services.TryAddSingleton(new RuntimeOptions());
        services.AddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<StorageAccount>();
            return new RuntimeStorage(
                storage.Table(RuntimeStorage.InstancesTable),
                Enumerable.Range(0, partitions).Select(i => storage.Queue(RuntimeStorage.EventsQueueName(i))).ToList(),
                storage.Queue(RuntimeStorage.OutboxQueue),
                storage.Table(RuntimeStorage.EffectsTable),
                storage.Table(RuntimeStorage.TimerIndexTable));
        });
        services.AddSingleton<InstanceStore>();
        services.AddSingleton<OutboxRelay>();
        services.AddSingleton<InstanceProcessor>();
        services.AddSingleton<InstanceClient>();
        services.AddSingleton<EffectDispatcher>();
        services.AddSingleton<TimerPump>();
        services.TryAddSingleton<EffectLogSink>();
        services.TryAddSingleton<IEffectSink>(sp => sp.GetRequiredService<EffectLogSink>());
        services.AddStorageResource(StorageResource.Table(RuntimeStorage.InstancesTable));
        services.AddStorageResource(StorageResource.Table(RuntimeStorage.EffectsTable));
        services.AddStorageResource(StorageResource.Table(RuntimeStorage.TimerIndexTable));
        services.AddTimerFunction<TimerPumpFunction>(PumpFunction, PumpSchedule);
        for (var i = 0; i < partitions; i++)
        {
            services.AddQueueFunction<InstanceMessageFunction>(ProcessFunction + i, RuntimeStorage.EventsQueueName(i));
        }

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

    /// <summary>Moves indexed timers that are coming due onto the instance queue.</summary>
    public sealed class TimerPumpFunction(TimerPump pump) : ITimerFunction
    {
        public async Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
        {
            var moved = await pump.PumpAsync(cancellationToken);
            invocation.Log.Add($"Queued {moved} timers.");
        }
    }

    /// <summary>Hands committed sends to the effect sink.</summary>
    public sealed class EffectMessageFunction(EffectDispatcher dispatcher) : IQueueFunction
    {
        public Task RunAsync(QueueInvocation invocation, CancellationToken cancellationToken) =>
            dispatcher.DispatchAsync(invocation.Message, cancellationToken);
    }
}
