using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using PxFunctions.Configuration;
using PxFunctions.Journeys.Durable;
using PxFunctions.Storage;

namespace PxFunctions.Standalone;

/// <summary>
/// The standalone host's Durable engine: the Durable Task Framework's <see cref="TaskHubWorker"/> over the Azure
/// Storage provider (the task-hub layout Durable Functions uses in Azure) on the app's storage account, running the
/// same <see cref="OwnershipJourney"/> and activities the Functions host runs, through the Durable SDK's shims.
/// </summary>
public sealed class DurableTaskHost : IHostedService, IAsyncDisposable
{
    private readonly TaskHubWorker _worker;
    private readonly StorageBootstrap _bootstrap;
    private readonly ILogger<DurableTaskHost> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _starting;
    private bool _started;
    private bool _disposed;

    private readonly DurableSettings _settings;

    public DurableTaskHost(AzureStorageOrchestrationService service, IServiceProvider services, DurableSettings settings, StorageBootstrap bootstrap, ILoggerFactory loggers)
    {
        Service = service;
        _settings = settings;
        _bootstrap = bootstrap;
        _logger = loggers.CreateLogger<DurableTaskHost>();
        var shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions { MaximumTimerInterval = settings.MaximumTimerInterval }, loggers);
        // Failure details (type and message) reach the orchestrator as Durable Functions gives them.
        _worker = new TaskHubWorker(service, loggers) { ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails };
        _worker.AddTaskOrchestrations(new Creator<TaskOrchestration>(
            JourneyFunctionNames.Orchestrator, () => shims.CreateOrchestration(JourneyFunctionNames.Orchestrator, new OwnershipJourney())));
        foreach (var (name, type) in Activities)
        {
            _worker.AddTaskActivities(new Creator<TaskActivity>(
                name, () => shims.CreateActivity(name, (ITaskActivity)ActivatorUtilities.CreateInstance(services, type))));
        }
    }

    /// <summary>The activities of <see cref="OwnershipJourney"/>, by the names the Functions app registers them under.</summary>
    public static readonly IReadOnlyList<(string Name, Type Type)> Activities =
    [
        (JourneyFunctionNames.LoadJourney, typeof(LoadJourneyActivity)),
        (JourneyFunctionNames.SendMessage, typeof(SendJourneyMessageActivity)),
        (JourneyFunctionNames.ReadReply, typeof(ReadJourneyReplyActivity)),
        (JourneyFunctionNames.RecordForTeam, typeof(RecordJourneyNoteActivity)),
        (JourneyFunctionNames.RecordProgress, typeof(RecordJourneyProgressActivity)),
    ];

    public AzureStorageOrchestrationService Service { get; }

    /// <summary>Completes once the task hub exists and the worker runs; the client waits for it before its first call.</summary>
    public Task Ready => _ready.Task;

    /// <summary>
    /// Starts the engine in the background once storage is ready, so the app answers (health says why storage is
    /// not reachable) instead of blocking its start-up on an unreachable account.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _starting = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        for (var attempt = 1; !stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                await _bootstrap.Ready.WaitAsync(stopping);
                await Service.CreateIfNotExistsAsync();
                await _worker.StartAsync();
                _started = true;
                _ready.TrySetResult();
                _logger.LogInformation("Durable task hub {TaskHub} started", _settings.TaskHub);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !stopping.IsCancellationRequested)
            {
                _logger.LogError(ex, "Durable task hub {TaskHub} could not start (attempt {Attempt}); trying again", _settings.TaskHub, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt * 2)), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_disposed)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_starting is not null)
        {
            await _starting;
        }

        if (_started)
        {
            _started = false;
            await _worker.StopAsync(isForced: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await StopAsync(CancellationToken.None);
        _disposed = true;
        _worker.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Makes a new orchestration or activity object for every execution, as the shims require.</summary>
    private sealed class Creator<T> : ObjectCreator<T>
    {
        private readonly Func<T> _create;

        public Creator(string name, Func<T> create)
        {
            Name = name;
            Version = string.Empty;
            _create = create;
        }

        public override T Create() => _create();
    }
}

/// <summary>Registers the standalone Durable engine and its client.</summary>
public static class DurableTaskHostRegistration
{
    public static IServiceCollection AddStandaloneDurableTask(this IServiceCollection services, DurableSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(sp => new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = settings.TaskHub,
            WorkerId = settings.WorkerId,
            StorageAccountClientProvider = sp.GetRequiredService<StorageAccount>().DurableClients(),
            PartitionCount = settings.Partitions,
            MaxQueuePollingInterval = settings.MaxQueuePollingInterval,
            ExtendedSessionsEnabled = settings.ExtendedSessions,
            ExtendedSessionIdleTimeout = DurableSettings.ExtendedSessionIdleTimeout,
            ControlQueueBatchSize = settings.ControlQueueBatchSize,
            ControlQueueVisibilityTimeout = settings.VisibilityTimeout,
            WorkItemQueueVisibilityTimeout = settings.VisibilityTimeout,
            // A start of an id that exists (running or finished) must fail, never replace the journey.
            ThrowExceptionOnInvalidDedupeStatus = true,
            // The table partition manager, as host.json's useTablePartitionManagement under the Functions host.
            UseTablePartitionManagement = true,
            LoggerFactory = sp.GetRequiredService<ILoggerFactory>(),
        }));
        services.AddSingleton<DurableTaskHost>();
        services.AddHostedService(sp => sp.GetRequiredService<DurableTaskHost>());
        services.AddSingleton<IJourneyInstances>(sp => new Metrics.OutcomeCountingInstances(
            new TaskHubJourneyInstances(sp.GetRequiredService<AzureStorageOrchestrationService>(), ct => sp.GetRequiredService<DurableTaskHost>().Ready.WaitAsync(ct)),
            sp.GetRequiredService<Channels.Metrics.MetricsStore>(),
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
