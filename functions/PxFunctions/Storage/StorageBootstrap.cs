using Azure;
using PxFunctions.Triggers;

namespace PxFunctions.Storage;

/// <summary>
/// Creates every declared table and queue (and the poison queue of each triggered queue) at start-up.
/// Start-up waits a bounded time so the app comes up promptly even when storage is down: health then reports
/// it, and creation is retried in the background until it succeeds.
/// </summary>
public sealed class StorageBootstrap(
    StorageAccount storage,
    IEnumerable<StorageResource> declared,
    FunctionCatalog catalog,
    TimeProvider time,
    ILogger<StorageBootstrap> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _background;

    /// <summary>Completes once every resource exists.</summary>
    public Task Ready => _ready.Task;

    public IReadOnlyList<StorageResource> Resources { get; } = declared
        .Concat(catalog.All.Select(f => f.Trigger).OfType<QueueTrigger>()
            .SelectMany(q => new[] { StorageResource.Queue(q.Queue), StorageResource.Queue(q.Queue + "-poison") }))
        .Distinct()
        .ToList();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _background = EnsureWithRetriesAsync(_stopping.Token);
        await Task.WhenAny(_background, Task.Delay(TimeSpan.FromSeconds(15), time, cancellationToken));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_background is not null)
        {
            await Task.WhenAny(_background, Task.Delay(Timeout.Infinite, cancellationToken));
        }
    }

    private async Task EnsureWithRetriesAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.WhenAll(Resources.Select(r => EnsureAsync(r, cancellationToken)));
                _ready.TrySetResult();
                return;
            }
            catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or AggregateException or Azure.Identity.AuthenticationFailedException)
            {
                logger.LogError(ex, "Creating the app's tables and queues failed; retrying in {Delay}", delay);
            }

            try
            {
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
        }
    }

    private async Task EnsureAsync(StorageResource resource, CancellationToken cancellationToken)
    {
        switch (resource.Service)
        {
            case StorageService.Table:
                await storage.Table(resource.LogicalName).CreateIfNotExistsAsync(cancellationToken);
                break;
            case StorageService.Queue:
                await storage.Queue(resource.LogicalName).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                break;
            default:
                await storage.Blobs.GetBlobContainerClient(storage.Names.Container(resource.LogicalName)).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                break;
        }
    }

    public void Dispose() => _stopping.Dispose();
}
