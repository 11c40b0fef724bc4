using Azure;
using Azure.Data.Tables;
using PxFunctions.Channels.Dispatch;

namespace PxFunctions.Channels.Desk;

/// <summary>
/// The desk's index of handoffs (table <c>Handoffs</c>). Every handoff is one row of partition <c>h</c>, row key
/// <c>{instance}|{inverted opening ticks}</c>: listing the open ones is one partition query (never a scan of customers),
/// an instance's handoffs are a key range with the newest first. Notes and the helpdesk's delivery marks live in the
/// instance's own partition <c>i:{instance}</c>, so forgetting an instance is two key-range deletes.
/// <para>Consistency: a handoff is created once (insert; a repeated open finds it and changes nothing, so a record
/// delivered again never reopens a closed handoff); every later change is a read-modify-write under the row's ETag,
/// retried on a conflict, so the journey's activities and the admin API can change one handoff at the same time.</para>
/// </summary>
public sealed class HandoffIndex(TableClient table)
{
    public const string TableName = "Handoffs";

    private const string Partition = "h";
    private const int MaxConflicts = 10;

    /// <summary>The row key of a handoff: its opening to the millisecond, so a time read back from storage finds it too.</summary>
    public static string KeyOf(string instanceId, DateTimeOffset openedAt) =>
        $"{TableKeys.Safe(instanceId)}|{DateTime.MaxValue.Ticks - Truncate(openedAt).UtcTicks:D19}";

    /// <summary>A time to the whole millisecond (what every store and helpdesk keeps of it).</summary>
    public static DateTimeOffset Truncate(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    private static string InstancePartition(string instanceId) => "i:" + TableKeys.Safe(instanceId);

    /// <summary>Adds the handoff; when it exists (a repeated open), the existing one and false.</summary>
    public async Task<(Handoff Handoff, bool Created)> OpenAsync(Handoff handoff, CancellationToken cancellationToken)
    {
        try
        {
            var response = await table.AddEntityAsync(ToEntity(handoff), cancellationToken);
            return (handoff with { ETag = response.Headers.ETag ?? default }, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return (await GetAsync(handoff.InstanceId, handoff.OpenedAt, cancellationToken) ?? handoff, false);
        }
    }

    public async Task<Handoff?> GetAsync(string instanceId, DateTimeOffset openedAt, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, KeyOf(instanceId, openedAt), cancellationToken: cancellationToken);
        return row.HasValue && row.Value is { } e ? FromEntity(e) : null;
    }

    /// <summary>The instance's handoffs, the newest first.</summary>
    public async Task<List<Handoff>> ForInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        var from = TableKeys.Safe(instanceId) + "|";
        var to = TableKeys.Safe(instanceId) + "}";
        var list = new List<Handoff>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {from} and RowKey lt {to}"), cancellationToken: cancellationToken))
        {
            list.Add(FromEntity(e));
        }

        return list;
    }

    /// <summary>Handoffs with this status (<see cref="HandoffStatus"/>): one query of the index partition.</summary>
    public async Task<List<Handoff>> ListAsync(string status, CancellationToken cancellationToken)
    {
        var list = new List<Handoff>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and Status eq {status}"), cancellationToken: cancellationToken))
        {
            list.Add(FromEntity(e));
        }

        return list;
    }

    /// <summary>The customer's handoffs (export, erasure): one filtered query of the index partition.</summary>
    public async Task<List<Handoff>> ForCustomerAsync(string customerId, CancellationToken cancellationToken)
    {
        var list = new List<Handoff>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and CustomerId eq {customerId}"), cancellationToken: cancellationToken))
        {
            list.Add(FromEntity(e));
        }

        return list;
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the handoff under its ETag, reading again after a conflict. The change
    /// returns null when there is nothing to do. The handoff as it now is; null when it does not exist.
    /// </summary>
    public async Task<Handoff?> UpdateAsync(string instanceId, DateTimeOffset openedAt, Func<Handoff, Handoff?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (await GetAsync(instanceId, openedAt, cancellationToken) is not { } current)
            {
                return null;
            }

            if (change(current) is not { } changed)
            {
                return current;
            }

            try
            {
                var response = await table.UpdateEntityAsync(ToEntity(changed), current.ETag, TableUpdateMode.Replace, cancellationToken);
                return changed with { ETag = response.Headers.ETag ?? default };
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404 && attempt < MaxConflicts)
            {
                // Changed (or forgotten) meanwhile: read it again.
            }
        }
    }

    /// <summary>Adds a note once per id (a retried request keeps one note).</summary>
    public async Task<HandoffNote> AddNoteAsync(Handoff handoff, HandoffNote note, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(InstancePartition(handoff.InstanceId), NoteKey(handoff, note.Id))
        {
            ["NoteId"] = note.Id,
            ["Author"] = note.Author,
            ["Text"] = note.Text,
            ["At"] = note.At,
        };
        try
        {
            await table.AddEntityAsync(entity, cancellationToken);
            return note;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return await NoteAsync(handoff, note.Id, cancellationToken) ?? note;
        }
    }

    public async Task<HandoffNote?> NoteAsync(Handoff handoff, string noteId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(InstancePartition(handoff.InstanceId), NoteKey(handoff, noteId), cancellationToken: cancellationToken);
        return row.HasValue && row.Value is { } e ? NoteOf(e) : null;
    }

    /// <summary>The handoff's notes, oldest first.</summary>
    public async Task<List<HandoffNote>> NotesAsync(Handoff handoff, CancellationToken cancellationToken)
    {
        var from = "n|" + KeyOf(handoff.InstanceId, handoff.OpenedAt) + "|";
        var to = "n|" + KeyOf(handoff.InstanceId, handoff.OpenedAt) + "}";
        var notes = new List<HandoffNote>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {InstancePartition(handoff.InstanceId)} and RowKey ge {from} and RowKey lt {to}"), cancellationToken: cancellationToken))
        {
            notes.Add(NoteOf(e));
        }

        return notes.OrderBy(n => n.At).ToList();
    }

    /// <summary>
    /// Takes the delivery of a helpdesk event (row <c>d|{event}</c>): one delivery of an event id is in flight at a
    /// time, however many copies of it are queued. A claim lasts <paramref name="lease"/>; a claimer that died
    /// leaves it to expire, and the next copy takes it over.
    /// </summary>
    public async Task<(DeliveryClaim Claim, ETag ETag)> ClaimDeliveryAsync(string instanceId, string eventId, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        var key = "d|" + TableKeys.Safe(eventId);
        var claim = new TableEntity(InstancePartition(instanceId), key) { ["State"] = "sending", ["ClaimedUntil"] = now + lease };
        try
        {
            var added = await table.AddEntityAsync(claim, cancellationToken);
            return (DeliveryClaim.Claimed, added.Headers.ETag ?? default);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Delivered, being delivered, or a claim that ran out.
        }

        var row = await table.GetEntityIfExistsAsync<TableEntity>(InstancePartition(instanceId), key, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value is not { } existing)
        {
            return (DeliveryClaim.Busy, default);
        }

        if (existing.GetString("State") == "delivered")
        {
            return (DeliveryClaim.Delivered, default);
        }

        if (existing.GetDateTimeOffset("ClaimedUntil") > now)
        {
            return (DeliveryClaim.Busy, default);
        }

        try
        {
            var taken = await table.UpdateEntityAsync(claim, existing.ETag, TableUpdateMode.Replace, cancellationToken);
            return (DeliveryClaim.Claimed, taken.Headers.ETag ?? default);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return (DeliveryClaim.Busy, default);
        }
    }

    /// <summary>The helpdesk took the event: no copy of it is sent again.</summary>
    public async Task MarkDeliveredAsync(string instanceId, string eventId, DateTimeOffset at, CancellationToken cancellationToken) =>
        await table.UpsertEntityAsync(new TableEntity(InstancePartition(instanceId), "d|" + TableKeys.Safe(eventId)) { ["State"] = "delivered", ["At"] = at }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>Lets go of a claim after a failed attempt, so the retry (or another copy) may take it at once.</summary>
    public async Task ReleaseDeliveryAsync(string instanceId, string eventId, ETag claim, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(InstancePartition(instanceId), "d|" + TableKeys.Safe(eventId), claim, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            // Taken over or gone: not ours any more.
        }
    }

    /// <summary>Deletes the instance's handoffs, notes and delivery marks (erasure, purge). Idempotent.</summary>
    public async Task ForgetAsync(string instanceId, CancellationToken cancellationToken)
    {
        foreach (var handoff in await ForInstanceAsync(instanceId, cancellationToken))
        {
            await table.DeleteEntityAsync(Partition, KeyOf(handoff.InstanceId, handoff.OpenedAt), ETag.All, cancellationToken);
        }

        var partition = InstancePartition(instanceId);
        await foreach (var e in table.QueryAsync<TableEntity>(r => r.PartitionKey == partition, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All, cancellationToken);
        }
    }

    /// <summary>Deletes a closed handoff with its notes (retention); its instance's delivery marks go with the instance.</summary>
    public async Task ForgetClosedAsync(Handoff handoff, CancellationToken cancellationToken)
    {
        foreach (var note in await NotesAsync(handoff, cancellationToken))
        {
            await table.DeleteEntityAsync(InstancePartition(handoff.InstanceId), NoteKey(handoff, note.Id), ETag.All, cancellationToken);
        }

        await table.DeleteEntityAsync(Partition, KeyOf(handoff.InstanceId, handoff.OpenedAt), ETag.All, cancellationToken);
    }

    private static string NoteKey(Handoff handoff, string noteId) => $"n|{KeyOf(handoff.InstanceId, handoff.OpenedAt)}|{TableKeys.Safe(noteId)}";

    private static HandoffNote NoteOf(TableEntity e) =>
        new(e.GetString("NoteId") ?? e.RowKey, e.GetString("Author") ?? "", e.GetString("Text") ?? "", e.GetDateTimeOffset("At") ?? default);

    private static TableEntity ToEntity(Handoff h) => new(Partition, KeyOf(h.InstanceId, h.OpenedAt))
    {
        ["InstanceId"] = h.InstanceId,
        ["OpenedAt"] = h.OpenedAt,
        ["JourneyId"] = h.JourneyId,
        ["Version"] = h.Version,
        ["Stage"] = h.Stage,
        ["Step"] = h.Step,
        ["CustomerId"] = h.CustomerId,
        ["Reason"] = h.Reason,
        ["Status"] = h.Status,
        ["Assignee"] = h.Assignee,
        ["SlaDueAt"] = h.SlaDueAt,
        ["ResumesAt"] = h.ResumesAt,
        ["LastCustomerMessageAt"] = h.LastCustomerMessageAt,
        ["LastCustomerChannel"] = h.LastCustomerChannel,
        ["FirstAgentReplyAt"] = h.FirstAgentReplyAt,
        ["LastAgentReplyAt"] = h.LastAgentReplyAt,
        ["ClosedAt"] = h.ClosedAt,
        ["ClosedBy"] = h.ClosedBy,
    };

    private static Handoff FromEntity(TableEntity e) => new()
    {
        InstanceId = e.GetString("InstanceId") ?? "",
        OpenedAt = e.GetDateTimeOffset("OpenedAt") ?? default,
        JourneyId = e.GetString("JourneyId") ?? "",
        Version = e.GetInt32("Version"),
        Stage = e.GetString("Stage"),
        Step = e.GetString("Step"),
        CustomerId = e.GetString("CustomerId"),
        Reason = e.GetString("Reason"),
        Status = e.GetString("Status") ?? HandoffStatus.Open,
        Assignee = e.GetString("Assignee"),
        SlaDueAt = e.GetDateTimeOffset("SlaDueAt") ?? default,
        ResumesAt = e.GetDateTimeOffset("ResumesAt") ?? default,
        LastCustomerMessageAt = e.GetDateTimeOffset("LastCustomerMessageAt"),
        LastCustomerChannel = e.GetString("LastCustomerChannel"),
        FirstAgentReplyAt = e.GetDateTimeOffset("FirstAgentReplyAt"),
        LastAgentReplyAt = e.GetDateTimeOffset("LastAgentReplyAt"),
        ClosedAt = e.GetDateTimeOffset("ClosedAt"),
        ClosedBy = e.GetString("ClosedBy"),
        ETag = e.ETag,
    };
}

/// <summary>What a delivery claim found (<see cref="HandoffIndex.ClaimDeliveryAsync"/>).</summary>
public enum DeliveryClaim
{
    /// <summary>This delivery may send the event.</summary>
    Claimed,

    /// <summary>The helpdesk already took it.</summary>
    Delivered,

    /// <summary>Another delivery of it is in flight; that one retries if it fails.</summary>
    Busy,
}
