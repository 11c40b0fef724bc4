using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PxFunctions.Triggers;

/// <summary>Registers queue and timer functions once; the dispatcher, the invocation endpoints and the manifest read them.</summary>
public static class FunctionRegistration
{
    public static IServiceCollection AddQueueFunction<THandler>(this IServiceCollection services, string name, string queue)
        where THandler : class, IQueueFunction
    {
        services.TryAddSingleton<THandler>();
        services.AddSingleton(new FunctionDefinition(name, new QueueTrigger(queue), typeof(THandler)));
        return services;
    }

    public static IServiceCollection AddTimerFunction<THandler>(this IServiceCollection services, string name, string schedule)
        where THandler : class, ITimerFunction
    {
        // Fail at registration, not at the first tick, if the schedule does not parse.
        _ = TimerSchedule.Parse(name, schedule);
        services.TryAddSingleton<THandler>();
        services.AddSingleton(new FunctionDefinition(name, new TimerTrigger(schedule), typeof(THandler)));
        return services;
    }
}
