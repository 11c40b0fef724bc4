using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace PxFunctions.Channels.Compliance;

/// <summary>
/// Names an address (a phone number, an email) by a keyed hash, HMAC-SHA256, so the consent ledger and the
/// conversations can find an address's rows without holding it: a bare SHA-256 of a phone number is reversed by
/// hashing every number there is, a keyed hash is not without the key. The key is <c>Px__Privacy__HashKey</c>; when it
/// is unset a random key is made once and kept in the <c>Keys</c> table of the app's storage (set the setting from Key
/// Vault in production so the key does not sit beside the hashes). Changing the key forgets every address's consent.
/// </summary>
public sealed class AddressHasher : IDisposable
{
    public const string TableName = "Keys";
    private const string Partition = "hmac";
    private const string Row = "address-v1";

    private readonly TableClient? _keys;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _key;

    /// <param name="configuredKey">The configured key, or null to use the one kept in <paramref name="keys"/>.</param>
    /// <param name="keys">The table that keeps the generated key (required when no key is configured).</param>
    public AddressHasher(byte[]? configuredKey, TableClient? keys)
    {
        if (configuredKey is null && keys is null)
        {
            throw new ArgumentException("A key or a table to keep one in is required.", nameof(keys));
        }

        _key = configuredKey;
        _keys = keys;
    }

    /// <summary>The keyed hash of an address, normalised as the ledger keeps addresses (trimmed, lower case): 64 hex digits.</summary>
    public async Task<string> HashAsync(string address, CancellationToken cancellationToken)
    {
        var key = _key ?? await LoadKeyAsync(cancellationToken);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(address.Trim().ToLowerInvariant())));
    }

    private async Task<byte[]> LoadKeyAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_key is not null)
            {
                return _key;
            }

            await _keys!.CreateIfNotExistsAsync(cancellationToken);
            try
            {
                // The first process to get here makes the key; every other one reads it (the add fails for them).
                var fresh = RandomNumberGenerator.GetBytes(32);
                await _keys.AddEntityAsync(new TableEntity(Partition, Row) { ["Key"] = Convert.ToBase64String(fresh) }, cancellationToken);
                return _key = fresh;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                var stored = await _keys.GetEntityAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken);
                return _key = Convert.FromBase64String(stored.Value.GetString("Key")!);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
