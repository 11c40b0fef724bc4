using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace PxFunctions.Runtime;

/// <summary>
/// Row keys of an instance's partition. The state row sorts after outbox and buffered rows so each kind can be
/// read with one range query; markers and late events sort before them.
/// </summary>
public static partial class InstanceKeys
{
    public const string BufferPrefix = "b:";
    public const string MarkerPrefix = "e:";
    public const string LatePrefix = "l:";
    public const string OutboxPrefix = "o:";

    public static string Marker(string eventId) => MarkerPrefix + Safe(eventId);

    /// <summary>The event id of an instance's start; it names the instance so its marker key is unique too.</summary>
    public static string StartEventId(string instanceId) => "start:" + instanceId;

    public static string Late(string eventId) => LatePrefix + Safe(eventId);

    public static string Buffer(DateTimeOffset arrivedAt, string eventId) =>
        BufferPrefix + arrivedAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + ":" + Safe(eventId);

    public static string Outbox(long version, int index) =>
        OutboxPrefix + version.ToString("D19", CultureInfo.InvariantCulture) + ":" + index.ToString("D3", CultureInfo.InvariantCulture);

    /// <summary>The next key after every key with <paramref name="prefix"/> (for range queries).</summary>
    public static string End(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);

    /// <summary>Throws <see cref="ArgumentException"/> when an instance id cannot be a partition key or URL segment.</summary>
    public static void ValidateInstanceId(string instanceId)
    {
        if (string.IsNullOrWhiteSpace(instanceId) || instanceId.Length > InstanceLimits.MaxInstanceIdLength || !InstanceIdPattern().IsMatch(instanceId))
        {
            throw new ArgumentException(
                $"An instance id is 1-{InstanceLimits.MaxInstanceIdLength} characters of letters, digits and . _ : @ - (got '{instanceId}').",
                nameof(instanceId));
        }
    }

    // Event ids come from outside (webhook ids, message ids); keep safe ones readable, hash the rest.
    private static string Safe(string id) =>
        id.Length <= 200 && SafePattern().IsMatch(id)
            ? id
            : "h" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(id)));

    [GeneratedRegex("^[A-Za-z0-9._:@-]+$")]
    private static partial Regex InstanceIdPattern();

    [GeneratedRegex("^[A-Za-z0-9._:@=+-]+$")]
    private static partial Regex SafePattern();
}
