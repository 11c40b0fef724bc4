using Azure;
using Azure.Data.Tables;

namespace PxFunctions.Runtime;

/// <summary>Reads and writes an instance's partition. Thin on purpose: the protocol lives in <see cref="InstanceProcessor"/>.</summary>
public sealed class InstanceStore(RuntimeStorage storage)
{
    private TableClient Table => storage.Instances;

    public async Task<InstanceRecord?> GetAsync(string instanceId, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(instanceId, InstanceRecord.RowKeyFor(instanceId), cancellationToken: cancellationToken);
        return response.HasValue ? InstanceRecord.FromEntity(response.Value!) : null;
    }

    /// <summary>Rows of one kind (outbox, buffered) in key order.</summary>
    public async Task<List<TableEntity>> RangeAsync(string instanceId, string prefix, int max, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {instanceId} and RowKey ge {prefix} and RowKey lt {InstanceKeys.End(prefix)}");
        var rows = new List<TableEntity>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken))
        {
            rows.Add(row);
            if (rows.Count >= max)
            {
                break;
            }
        }

        return rows;
    }

    /// <summary>Adds a row unless one with the same key exists (buffered and late events are idempotent by key).</summary>
    public async Task AddIfAbsentAsync(TableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            await Table.AddEntityAsync(entity, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Already recorded by an earlier delivery.
        }
    }

    /// <summary>Commits one entity-group transaction (at most 100 operations, one partition).</summary>
    /// <returns>The new ETag of the row written by action <paramref name="etagOf"/>.</returns>
    public async Task<ETag> CommitAsync(IReadOnlyList<TableTransactionAction> actions, int etagOf, CancellationToken cancellationToken)
    {
        var responses = await Table.SubmitTransactionAsync(actions, cancellationToken);
        return responses.Value[etagOf].Headers.ETag ?? default;
    }

    /// <summary>Deletes rows, ignoring rows another worker already deleted.</summary>
    public Task DeleteAllAsync(string instanceId, IReadOnlyList<string> rowKeys, CancellationToken cancellationToken) =>
        Table.DeletePartitionRowsAsync(instanceId, rowKeys, cancellationToken);
}
