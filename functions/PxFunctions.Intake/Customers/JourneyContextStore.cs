using Azure.Data.Tables;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Intake.Customers;

/// <summary>
/// The purchase each journey instance is about, in table <c>JourneyContexts</c> (partition = instance id). Written
/// before the instance starts and replaced only by a later write of the same purchase, so the send activity always
/// finds it; long documents are split over numbered properties (a property holds 32K characters).
/// </summary>
public sealed class JourneyContextStore(TableClient table) : IJourneyContexts
{
    public const string TableName = "JourneyContexts";
    private const string RowKey = "input";
    private const int ChunkChars = 30_000;

    public async Task SaveAsync(string instanceId, JourneyInput input, CancellationToken cancellationToken)
    {
        var json = input.ToJson();
        var entity = new TableEntity(TableKeys.Safe(instanceId), RowKey) { ["Chunks"] = (json.Length + ChunkChars - 1) / ChunkChars };
        for (var i = 0; i * ChunkChars < json.Length; i++)
        {
            entity["Input" + i] = json.Substring(i * ChunkChars, Math.Min(ChunkChars, json.Length - (i * ChunkChars)));
        }

        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<JourneyInput?> GetAsync(string instanceId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(TableKeys.Safe(instanceId), RowKey, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value is not { } entity)
        {
            return null;
        }

        var chunks = entity.GetInt32("Chunks") ?? 1;
        return JourneyInput.Parse(string.Concat(Enumerable.Range(0, chunks).Select(i => entity.GetString("Input" + i))));
    }

    public async Task ForgetAsync(string instanceId, CancellationToken cancellationToken) =>
        await table.DeleteEntityAsync(TableKeys.Safe(instanceId), RowKey, cancellationToken: cancellationToken);
}
