using Azure.Core;
using Azure.Core.Pipeline;

namespace PxFunctions.Storage;

/// <summary>The three storage services the app uses.</summary>
public enum StorageService
{
    Table,
    Queue,
    Blob,
}

/// <summary>
/// Counts every request the storage clients send (retries included), per service. Storage bills and throttles
/// per transaction, so benchmarks report transactions per journey step from this one place.
/// </summary>
public sealed class StorageRequestCounter
{
    private readonly long[] _counts = new long[3];

    public long Tables => Interlocked.Read(ref _counts[(int)StorageService.Table]);
    public long Queues => Interlocked.Read(ref _counts[(int)StorageService.Queue]);
    public long Blobs => Interlocked.Read(ref _counts[(int)StorageService.Blob]);
    public long Total => Tables + Queues + Blobs;

    /// <summary>
    /// Called before each request is sent. Tests use it to inject a failure at the k-th storage call
    /// (throwing here fails the call exactly as a network error would).
    /// </summary>
    public Action<StorageService, HttpMessage>? BeforeSend { get; set; }

    /// <summary>
    /// Called after each response arrives. Tests throw here to model a crash after storage applied a write but
    /// before the caller learned of it.
    /// </summary>
    public Action<StorageService, HttpMessage>? AfterSend { get; set; }

    /// <summary>The pipeline policy to add to one service client's options.</summary>
    public HttpPipelinePolicy PolicyFor(StorageService service) => new CountingPolicy(this, service);

    private sealed class CountingPolicy(StorageRequestCounter counter, StorageService service) : HttpPipelinePolicy
    {
        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Count(message);
            ProcessNext(message, pipeline);
            counter.AfterSend?.Invoke(service, message);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Count(message);
            await ProcessNextAsync(message, pipeline);
            counter.AfterSend?.Invoke(service, message);
        }

        private void Count(HttpMessage message)
        {
            Interlocked.Increment(ref counter._counts[(int)service]);
            counter.BeforeSend?.Invoke(service, message);
        }
    }
}
