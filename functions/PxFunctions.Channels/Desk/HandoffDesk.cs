using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Channels.Desk;

/// <summary>
/// The handoff desk: keeps <see cref="HandoffIndex"/> in step with what journeys record (a handoff opened, the
/// customer's messages, a close) and with what agents do (answer, assign, note, close), and queues each change for the
/// helpdesk (<see cref="HelpdeskOutbox"/>). Everything here may run twice: the journey's activities repeat, requests
/// are retried. A repeated open changes nothing; changes are idempotent; helpdesk events are queued again with the
/// same id (the delivery skips what the helpdesk already took), so none is lost to a crash between write and queue.
/// </summary>
public sealed class HandoffDesk(
    HandoffIndex index,
    JourneyTexts texts,
    IJourneyInstances instances,
    IJourneyContexts contexts,
    IJourneyVersions versions,
    HelpdeskOutbox outbox,
    DeskOptions options,
    TimeProvider time,
    ILogger<HandoffDesk> logger)
{
    /// <summary>How long a journey pauses for a person after the customer asked for one (the interpreter's pause).</summary>
    public static readonly TimeSpan PauseLength = TimeSpan.FromHours(24);

    public DeskOptions Options => options;

    /// <summary>A journey's handoff record (<see cref="HandoffAction"/>), from the record activity.</summary>
    public async Task OnRecordAsync(string instanceId, string recordId, TeamRecord record, CancellationToken cancellationToken)
    {
        switch (record.Action)
        {
            case HandoffAction.Open:
                await OpenedAsync(instanceId, record, cancellationToken);
                break;
            case HandoffAction.CustomerReply:
                var text = record.TextRef is { } reference ? await texts.GetAsync(instanceId, reference, cancellationToken) : null;
                await CustomerWroteAsync(instanceId, recordId, record, text, cancellationToken);
                break;
            case HandoffAction.Closed:
                var handoff = record.Since is { } opened
                    ? await index.GetAsync(instanceId, opened, cancellationToken)
                    : (await index.ForInstanceAsync(instanceId, cancellationToken)).FirstOrDefault(h => h.IsOpen);
                if (handoff is not null)
                {
                    await CloseAsync(handoff, HandoffClosedBy.Agent, record.At, cancellationToken);
                }

                break;
        }
    }

    private async Task OpenedAsync(string instanceId, TeamRecord record, CancellationToken cancellationToken)
    {
        var (version, stage, definition) = await WhereAsync(instanceId, record, cancellationToken);
        // A handoff step waits its resumeAfter; a pause (the customer asked for a person at any other step) 24 hours.
        var resumeAfter = record.Step is { } id && definition?.Step(id) is HandoffStep step ? step.ResumeAfter : PauseLength;
        var lastWord = (await texts.RecentAsync(instanceId, 20, cancellationToken)).LastOrDefault(t => t.From == "customer" && t.At <= record.At);
        var (handoff, created) = await index.OpenAsync(
            new Handoff
            {
                InstanceId = instanceId,
                OpenedAt = HandoffIndex.Truncate(record.At),
                JourneyId = record.JourneyId,
                Version = version,
                Stage = stage,
                Step = record.Step,
                CustomerId = record.CustomerId,
                Reason = record.Reason,
                SlaDueAt = HandoffIndex.Truncate(record.At) + options.Sla,
                ResumesAt = HandoffIndex.Truncate(record.At) + resumeAfter,
                LastCustomerMessageAt = lastWord?.At,
                LastCustomerChannel = lastWord?.Channel,
            },
            cancellationToken);
        if (created)
        {
            logger.LogInformation("Handoff opened for journey {InstanceId} at step {Step}", instanceId, record.Step);
        }

        // A handoff that was still open has ended: the journey took the conversation back without a close.
        foreach (var earlier in (await index.ForInstanceAsync(instanceId, cancellationToken)).Where(h => h.IsOpen && h.OpenedAt < handoff.OpenedAt))
        {
            await CloseAsync(earlier, HandoffClosedBy.Superseded, earlier.ResumesAt < handoff.OpenedAt ? earlier.ResumesAt : handoff.OpenedAt, cancellationToken);
        }

        await outbox.EnqueueAsync(new HelpdeskEvent(HelpdeskEvent.IdOf(handoff, HelpdeskEventKind.Opened), HelpdeskEventKind.Opened, instanceId, handoff.OpenedAt, null, handoff.OpenedAt), cancellationToken);
    }

    private async Task CustomerWroteAsync(string instanceId, string recordId, TeamRecord record, JourneyText? text, CancellationToken cancellationToken)
    {
        // The handoff the message came in during: the latest opened before it (a late repeat never reopens one).
        if ((await index.ForInstanceAsync(instanceId, cancellationToken)).FirstOrDefault(h => h.OpenedAt <= record.At) is not { } handoff)
        {
            return;
        }

        handoff = await index.UpdateAsync(instanceId, handoff.OpenedAt, h => h.LastCustomerMessageAt >= record.At
            ? null
            : h with { LastCustomerMessageAt = record.At, LastCustomerChannel = text?.Channel ?? h.LastCustomerChannel }, cancellationToken) ?? handoff;
        await outbox.EnqueueAsync(new HelpdeskEvent(HelpdeskEvent.IdOf(handoff, HelpdeskEventKind.CustomerMessage, recordId), HelpdeskEventKind.CustomerMessage, instanceId, handoff.OpenedAt, record.TextRef, record.At), cancellationToken);
    }

    /// <summary>The instance's latest handoff (open or closed), brought up to date; null when it never had one.</summary>
    public async Task<Handoff?> LatestAsync(string instanceId, CancellationToken cancellationToken) =>
        (await index.ForInstanceAsync(instanceId, cancellationToken)).FirstOrDefault() is { } latest ? await RefreshAsync(latest, cancellationToken) : null;

    /// <summary>Handoffs with a status, brought up to date (those whose journey took the conversation back are closed).</summary>
    public async Task<List<Handoff>> ListAsync(string status, CancellationToken cancellationToken)
    {
        var listed = new List<Handoff>();
        foreach (var handoff in await index.ListAsync(status, cancellationToken))
        {
            var now = await RefreshAsync(handoff, cancellationToken);
            if (now.Status == status)
            {
                listed.Add(now);
            }
        }

        if (status == HandoffStatus.Closed)
        {
            // A handoff closed meanwhile by the refresh of the open ones shows up on the next look.
            var cutoff = time.GetUtcNow() - options.ClosedRetention;
            listed = listed.Where(h => h.ClosedAt >= cutoff).ToList();
        }

        return listed;
    }

    /// <summary>
    /// An open handoff past the time its journey resumes by itself is over (the interpreter records no close for a
    /// timeout): closed here, as of that time, when someone looks or the hourly sweep runs.
    /// </summary>
    private async Task<Handoff> RefreshAsync(Handoff handoff, CancellationToken cancellationToken) =>
        handoff.IsOpen && handoff.ResumesAt <= time.GetUtcNow()
            ? await CloseAsync(handoff, HandoffClosedBy.Timeout, handoff.ResumesAt, cancellationToken)
            : handoff;

    public Task<List<HandoffNote>> NotesAsync(Handoff handoff, CancellationToken cancellationToken) => index.NotesAsync(handoff, cancellationToken);

    /// <summary>Assigns the instance's latest handoff to an agent (null: unassigns); null when there is none.</summary>
    public async Task<Handoff?> AssignAsync(string instanceId, string? agent, CancellationToken cancellationToken)
    {
        if (await LatestAsync(instanceId, cancellationToken) is not { } latest)
        {
            return null;
        }

        return await index.UpdateAsync(instanceId, latest.OpenedAt, h => h.Assignee == agent ? null : h with { Assignee = agent }, cancellationToken);
    }

    /// <summary>Adds an internal note to the instance's latest handoff; null when there is none. Once per note id.</summary>
    public async Task<(Handoff Handoff, HandoffNote Note)?> AddNoteAsync(string instanceId, string noteId, string author, string text, CancellationToken cancellationToken)
    {
        if (await LatestAsync(instanceId, cancellationToken) is not { } latest)
        {
            return null;
        }

        var note = await index.AddNoteAsync(latest, new HandoffNote(noteId, author, text, time.GetUtcNow()), cancellationToken);
        await outbox.EnqueueAsync(new HelpdeskEvent(HelpdeskEvent.IdOf(latest, HelpdeskEventKind.Note, note.Id), HelpdeskEventKind.Note, instanceId, latest.OpenedAt, note.Id, note.At), cancellationToken);
        return (latest, note);
    }

    /// <summary>An agent answered (the text is stored under <paramref name="reference"/>): counted on the open handoff, if any.</summary>
    public async Task AgentRepliedAsync(string instanceId, string reference, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (await LatestAsync(instanceId, cancellationToken) is not { IsOpen: true } open)
        {
            // Answering a customer no handoff is open for works as ever; the desk has nothing to track.
            return;
        }

        open = await index.UpdateAsync(instanceId, open.OpenedAt, h => h.LastAgentReplyAt >= at ? null : h with { FirstAgentReplyAt = h.FirstAgentReplyAt ?? at, LastAgentReplyAt = at }, cancellationToken) ?? open;
        await outbox.EnqueueAsync(new HelpdeskEvent(HelpdeskEvent.IdOf(open, HelpdeskEventKind.AgentReply, reference), HelpdeskEventKind.AgentReply, instanceId, open.OpenedAt, reference, at), cancellationToken);
    }

    /// <summary>An agent closed the instance's handoff through the desk; the open one, closed (null when none was open).</summary>
    public async Task<Handoff?> CloseByAgentAsync(string instanceId, CancellationToken cancellationToken) =>
        await LatestAsync(instanceId, cancellationToken) is { IsOpen: true } open
            ? await CloseAsync(open, HandoffClosedBy.Agent, time.GetUtcNow(), cancellationToken)
            : null;

    /// <summary>
    /// Closes a handoff once: the first close keeps its time and reason, later ones (the journey's own record of an
    /// agent's close, a repeated activity) change nothing. The helpdesk's close event is queued either way, same id.
    /// </summary>
    private async Task<Handoff> CloseAsync(Handoff handoff, string by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var closed = await index.UpdateAsync(handoff.InstanceId, handoff.OpenedAt, h => h.IsOpen ? h with { Status = HandoffStatus.Closed, ClosedAt = at, ClosedBy = by } : null, cancellationToken) ?? handoff;
        await outbox.EnqueueAsync(new HelpdeskEvent(HelpdeskEvent.IdOf(closed, HelpdeskEventKind.Closed), HelpdeskEventKind.Closed, closed.InstanceId, closed.OpenedAt, null, closed.ClosedAt ?? at), cancellationToken);
        return closed;
    }

    /// <summary>
    /// The hourly sweep: closes handoffs whose journey took the conversation back, and forgets closed ones older than
    /// <see cref="DeskOptions.ClosedRetention"/>. Returns how many it closed and forgot.
    /// </summary>
    public async Task<(int Closed, int Forgotten)> SweepAsync(CancellationToken cancellationToken)
    {
        var closed = 0;
        foreach (var open in await index.ListAsync(HandoffStatus.Open, cancellationToken))
        {
            closed += (await RefreshAsync(open, cancellationToken)).IsOpen ? 0 : 1;
        }

        var forgotten = 0;
        var cutoff = time.GetUtcNow() - options.ClosedRetention;
        foreach (var old in (await index.ListAsync(HandoffStatus.Closed, cancellationToken)).Where(h => h.ClosedAt < cutoff))
        {
            await index.ForgetClosedAsync(old, cancellationToken);
            forgotten++;
        }

        return (closed, forgotten);
    }

    /// <summary>
    /// Where the journey was when it handed off: version and stage from its custom status (set before the record
    /// activity runs), else the version it started on and the stage its definition gives the step.
    /// </summary>
    private async Task<(int? Version, string? Stage, JourneyDefinition? Definition)> WhereAsync(string instanceId, TeamRecord record, CancellationToken cancellationToken)
    {
        (string? Journey, int? Version, string? Stage, string? Step)? status = null;
        try
        {
            if (await instances.GetAsync(instanceId, cancellationToken) is { CustomStatus: { } json } && JsonNode.Parse(json) is JsonObject o)
            {
                status = ((string?)o["journey"], (int?)o["version"], (string?)o["stage"], (string?)o["step"]);
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or Azure.RequestFailedException)
        {
            logger.LogWarning("Handoff of journey {InstanceId}: its status could not be read ({Error}); the stage comes from the definition", instanceId, ex.GetType().Name);
        }

        var version = status is { } s && s.Journey == record.JourneyId && s.Version is not null ? s.Version : (await contexts.GetAsync(instanceId, cancellationToken))?.Version;
        var definition = version is { } v ? (await versions.GetPublishedAsync(record.JourneyId, v, cancellationToken))?.Definition : null;
        var stage = status is { } current && current.Step == record.Step ? current.Stage : StageOf(definition, record.Step);
        return (version, stage, definition);
    }

    /// <summary>The stage a step is in, in the definition's order (the journey map's reading).</summary>
    private static string? StageOf(JourneyDefinition? definition, string? step)
    {
        string? stage = null;
        foreach (var s in definition?.Steps ?? [])
        {
            stage = s.Stage ?? stage;
            if (s.Id == step)
            {
                return stage;
            }
        }

        return null;
    }

    /// <summary>The customer as the purchase names them (first and last name, email, phone), for display and the helpdesk.</summary>
    public async Task<HandoffCustomer?> CustomerAsync(string instanceId, CancellationToken cancellationToken) =>
        await contexts.GetAsync(instanceId, cancellationToken) is { } purchase ? HandoffCustomer.Of(purchase.Customer) : null;
}

/// <summary>The customer of a handoff as the purchase names them. Personal data: shown to agents and sent to the helpdesk, never logged.</summary>
public sealed record HandoffCustomer(string? FirstName, string? LastName, string? Email, string? Phone)
{
    public string? FullName => string.Join(' ', new[] { FirstName, LastName }.Where(n => !string.IsNullOrWhiteSpace(n))) is { Length: > 0 } name ? name : null;

    public static HandoffCustomer Of(JsonObject customer)
    {
        static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s : null;
        return new HandoffCustomer(Text(customer["first_name"]), Text(customer["last_name"]), Text(customer["email"]), Text(customer["phone"]));
    }
}
