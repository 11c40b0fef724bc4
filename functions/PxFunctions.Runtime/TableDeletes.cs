using Azure;
using Azure.Data.Tables;

namespace PxFunctions.Runtime;

/// <summary>Deleting rows that another worker may delete at the same time.</summary>
internal static class TableDeletes
{
    /// <summary>
    /// Deletes rows of one partition in transactions of 100; when one fails because a concurrent worker already
    /// deleted a row, deletes the rest one by one, ignoring rows that are gone.
    /// </summary>
    public static async Task DeletePartitionRowsAsync(this TableClient table, string partitionKey, IReadOnlyList<string> rowKeys, CancellationToken cancellationToken)
    {
        if (rowKeys.Count == 0)
        {
            return;
        }

        try
        {
            foreach (var chunk in rowKeys.Chunk(100))
            {
                await table.SubmitTransactionAsync(
                    chunk.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partitionKey, k), ETag.All)),
                    cancellationToken);
            }
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 404)
        {
            foreach (var key in rowKeys)
            {
                try
                {
                    await table.DeleteEntityAsync(partitionKey, key, ETag.All, cancellationToken);
                }
                catch (RequestFailedException gone) when (gone.Status == 404)
                {
                    // Already deleted.
                }
            }
        }
    }
}
