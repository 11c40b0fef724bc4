using Azure;
using Azure.Storage.Queues.Models;
using PxFunctions.Configuration;
using PxFunctions.Storage;

namespace PxFunctions.Triggers;

/// <summary>
/// Standalone host only: polls each queue-triggered function's queue and hands messages to
/// <see cref="FunctionInvoker"/>, as the Functions host does in Azure. A message is deleted only after its
/// function succeeded (or it was recorded as poison); a failure makes it visible again after a growing delay.
/// </summary>
public sealed class QueueDispatcher(
    FunctionCatalog catalog,
    FunctionInvoker invoker,
    StorageAccount storage,
    PxSettings settings,
    TimeProvider time,
    ILogger<QueueDispatcher> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(catalog.All
            .Where(f => f.Trigger is QueueTrigger)
            .Select(f => PollAsync(f.Name, ((QueueTrigger)f.Trigger).Queue, stoppingToken)));

    /// <summary>
    /// While a queue is backed up (the last receive filled a batch), keeps fetching while fewer than two batches are in
    /// flight (up to three batches at once), as the Functions host keeps <c>batchSize</c> + <c>newBatchThreshold</c>
    /// per instance and adds instances under load: one slow message never holds back the queue, and a backlog drains
    /// before it slows the storage it sits in. At light load it waits for the batch to finish first, so each receive
    /// collects more messages (receives are transactions too).
    /// </summary>
    private async Task PollAsync(string functionName, string logicalQueue, CancellationToken stoppingToken)
    {
        var queue = storage.Queue(logicalQueue);
        var idle = settings.DispatcherPollInterval;
        var threshold = settings.DispatcherBatchSize * 2;
        var inFlight = new List<Task>();
        var backedUp = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (inFlight.Count > (backedUp ? threshold : 0))
            {
                inFlight.Remove(await Task.WhenAny(inFlight));
                continue;
            }

            QueueMessage[] messages;
            try
            {
                messages = (await queue.ReceiveMessagesAsync(settings.DispatcherBatchSize, settings.VisibilityTimeout, stoppingToken)).Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (RequestFailedException ex)
            {
                logger.LogWarning(ex, "Polling {Queue} for {Function} failed; retrying", queue.Name, functionName);
                messages = [];
            }

            if (messages.Length == 0)
            {
                backedUp = false;
                if (inFlight.Count > 0)
                {
                    // Work is still running: wait for some of it rather than sleeping blind.
                    inFlight.Remove(await Task.WhenAny(inFlight));
                    continue;
                }

                await DelayAsync(idle, stoppingToken);
                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, settings.DispatcherMaxPollInterval.Ticks));
                continue;
            }

            idle = settings.DispatcherPollInterval;
            backedUp = messages.Length == settings.DispatcherBatchSize;
            inFlight.AddRange(messages.Select(m => HandleAsync(functionName, queue, m, stoppingToken)));
        }

        await Task.WhenAll(inFlight);
    }

    private async Task HandleAsync(string functionName, Azure.Storage.Queues.QueueClient queue, QueueMessage message, CancellationToken stoppingToken)
    {
        try
        {
            var result = await invoker.InvokeQueueAsync(
                functionName, message.Body.ToString(), message.MessageId, message.DequeueCount, message.InsertedOn, stoppingToken);
            if (result.Outcome == InvocationOutcome.Failed)
            {
                // Back off RetryDelay x 1, 2, 4 ... (at most the visibility timeout) before the next attempt.
                var delay = TimeSpan.FromSeconds(Math.Min(
                    settings.RetryDelay.TotalSeconds * Math.Pow(2, message.DequeueCount - 1), settings.VisibilityTimeout.TotalSeconds));
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: delay, cancellationToken: stoppingToken);
                return;
            }

            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the message becomes visible again when its visibility timeout ends.
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The pop receipt expired (the function ran longer than the visibility timeout) and another
            // worker owns the message now; it will be handled there, idempotently.
            logger.LogWarning("Message {MessageId} on {Queue} was no longer ours to delete", message.MessageId, queue.Name);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Dispatching message {MessageId} on {Queue} failed; it will be delivered again", message.MessageId, queue.Name);
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, time, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
