using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using PxFunctions.Hosting;
using PxFunctions.Intake;
using PxFunctions.Journeys;
using PxFunctions.Triggers;

namespace PxFunctions.Functions;

/// <summary>
/// Queue and timer functions under the Functions host. They run through the same <see cref="FunctionInvoker"/> as the
/// standalone dispatcher, so retries and poisoning follow one rule: a failure before the last attempt throws (the
/// host retries the message), the last one is recorded as poison and the message is let go.
/// </summary>
public sealed class TriggerFunctions(FunctionInvoker invoker)
{
    /// <summary>Queue names under the Functions host carry the deployed storage prefix (<c>px</c>).</summary>
    public const string IntakeQueue = "px-" + PxFunctions.Intake.Storefronts.WebhookInbox.Queue;

    public const string PurgeQueue = "px-" + PxFunctions.Intake.Privacy.JourneyPurger.Queue;

    public const string HelpdeskQueue = "px-" + PxFunctions.Channels.Desk.HelpdeskOutbox.Queue;

    [Function(IntakeRegistration.ProcessFunction)]
    public async Task ProcessWebhook(
        [QueueTrigger(IntakeQueue, Connection = "AzureWebJobsStorage")] QueueMessage message, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        FunctionsJourneyInstances.Use(client);
        var result = await invoker.InvokeQueueAsync(
            IntakeRegistration.ProcessFunction, message.MessageText, message.MessageId, message.DequeueCount, message.InsertedOn, cancellationToken);
        if (result.Outcome == InvocationOutcome.Failed)
        {
            throw new InvalidOperationException($"{IntakeRegistration.ProcessFunction} failed; the host retries the message.", result.Error);
        }
    }

    [Function(PrivacyRegistration.PurgeFunction)]
    public async Task PurgeJourney(
        [QueueTrigger(PurgeQueue, Connection = "AzureWebJobsStorage")] QueueMessage message, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        FunctionsJourneyInstances.Use(client);
        var result = await invoker.InvokeQueueAsync(
            PrivacyRegistration.PurgeFunction, message.MessageText, message.MessageId, message.DequeueCount, message.InsertedOn, cancellationToken);
        if (result.Outcome == InvocationOutcome.Failed)
        {
            throw new InvalidOperationException($"{PrivacyRegistration.PurgeFunction} failed; the host retries the message.", result.Error);
        }
    }

    [Function(DeskRegistration.DeliverFunction)]
    public async Task DeliverHelpdeskEvent([QueueTrigger(HelpdeskQueue, Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken)
    {
        var result = await invoker.InvokeQueueAsync(
            DeskRegistration.DeliverFunction, message.MessageText, message.MessageId, message.DequeueCount, message.InsertedOn, cancellationToken);
        if (result.Outcome == InvocationOutcome.Failed)
        {
            throw new InvalidOperationException($"{DeskRegistration.DeliverFunction} failed; the host retries the message.", result.Error);
        }
    }

    [Function(JourneyRetentionTimer.FunctionName)]
    public async Task PurgeFinishedJourneys([TimerTrigger(JourneyRetentionTimer.Schedule)] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        FunctionsJourneyInstances.Use(client);
        await invoker.InvokeTimerAsync(JourneyRetentionTimer.FunctionName, timer.IsPastDue, timer.ScheduleStatus?.Last, cancellationToken);
    }

    [Function(HeartbeatTimer.FunctionName)]
    public async Task Heartbeat([TimerTrigger(HeartbeatTimer.Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        await invoker.InvokeTimerAsync(HeartbeatTimer.FunctionName, timer.IsPastDue, timer.ScheduleStatus?.Last, cancellationToken);
}
