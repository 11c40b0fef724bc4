using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Functions;

/// <summary>
/// The ownership journey under the Functions host: one line each over the shared <see cref="OwnershipJourney"/> and
/// activity classes (the standalone host registers the same classes with DTFx). Names are
/// <see cref="JourneyFunctionNames"/>'s, so both hosts schedule the same work.
/// </summary>
public static class JourneyFunctions
{
    [Function(JourneyFunctionNames.Orchestrator)]
    public static Task<JourneyOutcome?> OwnershipJourney([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new OwnershipJourney().RunAsync(context, context.GetInput<JourneyRun>()!);

    [Function(JourneyFunctionNames.LoadJourney)]
    public static Task<LoadedJourney> LoadJourney([ActivityTrigger] LoadJourneyRequest input, FunctionContext context) =>
        Activity<LoadJourneyActivity>(context).RunAsync(ActivityContext(JourneyFunctionNames.LoadJourney, context), input);

    [Function(JourneyFunctionNames.SendMessage)]
    public static Task<SendResult> SendJourneyMessage([ActivityTrigger] SendMessageRequest input, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        // The send checks, at send time, that the journey was not terminated.
        FunctionsJourneyInstances.Use(client);
        return Activity<SendJourneyMessageActivity>(context).RunAsync(ActivityContext(JourneyFunctionNames.SendMessage, context), input);
    }

    [Function(JourneyFunctionNames.ReadReply)]
    public static Task<ReplyReading> ReadJourneyReply([ActivityTrigger] ReadReplyRequest input, FunctionContext context) =>
        Activity<ReadJourneyReplyActivity>(context).RunAsync(ActivityContext(JourneyFunctionNames.ReadReply, context), input);

    [Function(JourneyFunctionNames.RecordForTeam)]
    public static Task<bool> RecordJourneyNote([ActivityTrigger] RecordRequest input, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        // A handoff opened reads the journey's status for the desk (version and stage).
        FunctionsJourneyInstances.Use(client);
        return Activity<RecordJourneyNoteActivity>(context).RunAsync(ActivityContext(JourneyFunctionNames.RecordForTeam, context), input);
    }

    [Function(JourneyFunctionNames.RecordProgress)]
    public static Task<bool> RecordJourneyProgress([ActivityTrigger] RecordProgressRequest input, FunctionContext context) =>
        Activity<RecordJourneyProgressActivity>(context).RunAsync(ActivityContext(JourneyFunctionNames.RecordProgress, context), input);

    private static T Activity<T>(FunctionContext context) => ActivatorUtilities.CreateInstance<T>(context.InstanceServices);

    private static FunctionActivityContext ActivityContext(string name, FunctionContext context) =>
        new FunctionActivityContext(name, context.BindingContext.BindingData.TryGetValue("instanceId", out var id) ? id as string ?? "" : "");

    /// <summary>The activity context the shared activity classes read (the host passes the instance id as binding data).</summary>
    private sealed class FunctionActivityContext(TaskName name, string instanceId) : TaskActivityContext
    {
        public override TaskName Name { get; } = name;
        public override string InstanceId { get; } = instanceId;
    }
}
