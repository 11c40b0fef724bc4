using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Azure.Core;
using PxFunctions.Storage;

namespace PxFunctions.Benchmarks;

/// <summary>
/// Counts storage requests by kind — service, resource (table or queue, with partition numbers folded) and operation,
/// e.g. <c>queue control receive</c>, <c>table History batch</c> — from each request's method and path, so a
/// per-step figure can be broken down into what makes it.
/// </summary>
internal sealed partial class RequestKinds
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>Counts every request of <paramref name="counter"/> under <paramref name="caller"/> from now on.</summary>
    public void Watch(StorageRequestCounter counter, string caller) =>
        counter.AfterSend = (service, message) =>
        {
            var kind = caller + " " + Classify(service, message.Request);

            // A receive that found nothing (no <QueueMessage> in the list): idle polling, told apart.
            if (kind.EndsWith(" receive", StringComparison.Ordinal) && message.HasResponse && message.Response.Status == 200
                && !message.Response.Content.ToString().Contains("<QueueMessage>", StringComparison.Ordinal))
            {
                kind += " (empty)";
            }

            _counts.AddOrUpdate(kind, 1, static (_, n) => n + 1);
        };

    public Dictionary<string, long> Snapshot() => new(_counts, StringComparer.Ordinal);

    public static Dictionary<string, long> Delta(Dictionary<string, long> before, Dictionary<string, long> after) =>
        after.Select(a => (a.Key, Count: a.Value - before.GetValueOrDefault(a.Key)))
            .Where(a => a.Count > 0)
            .ToDictionary(a => a.Key, a => a.Count, StringComparer.Ordinal);

    internal static string Classify(StorageService service, Request request)
    {
        var uri = request.Uri.ToUri();
        var segments = uri.AbsolutePath.Trim('/').Split('/');
        // Path-style (emulator) addresses start with the account name.
        var resource = segments.Length > 1 ? Uri.UnescapeDataString(segments[1]) : "";
        var query = uri.Query;
        var method = request.Method.Method;
        return service switch
        {
            StorageService.Queue => "queue " + Fold(resource) + " " + (segments.Length > 2 && segments[2] == "messages"
                ? method switch
                {
                    "GET" => query.Contains("peekonly", StringComparison.OrdinalIgnoreCase) ? "peek" : "receive",
                    "POST" => "put",
                    "DELETE" => "delete",
                    "PUT" => "update",
                    _ => method.ToLowerInvariant(),
                }
                : method == "PUT" ? "create" : "metadata"),
            StorageService.Table => "table " + TableOperation(resource, method),
            _ => "blob " + Fold(resource) + " " + (query.Contains("comp=lease", StringComparison.OrdinalIgnoreCase) ? "lease" : method.ToLowerInvariant()),
        };
    }

    private static string TableOperation(string resource, string method)
    {
        if (resource == "$batch")
        {
            return "batch";
        }

        var open = resource.IndexOf('(', StringComparison.Ordinal);
        var table = Fold(open < 0 ? resource : resource[..open]);
        var point = open >= 0 && resource.IndexOf("PartitionKey", open, StringComparison.Ordinal) > 0;
        return table + " " + (method, point) switch
        {
            ("GET", true) => "read",
            ("GET", false) => "query",
            ("POST", false) => "insert",
            ("PUT", _) => "upsert",
            ("MERGE" or "PATCH", _) => "merge",
            ("DELETE", _) => "delete",
            _ => method.ToLowerInvariant(),
        };
    }

    /// <summary>Names without the task hub's or app's prefix and with partition numbers folded (control-00..03 → control).</summary>
    private static string Fold(string name)
    {
        var folded = PartitionSuffix().Replace(name, "");
        foreach (var part in new[] { "History", "Instances", "Partitions", "control", "workitems" })
        {
            if (folded.EndsWith(part, StringComparison.OrdinalIgnoreCase))
            {
                return part.ToLowerInvariant();
            }
        }

        return folded.StartsWith("bench", StringComparison.OrdinalIgnoreCase) ? folded[5..].TrimStart('-') : folded;
    }

    [GeneratedRegex("-\\d+$")]
    private static partial Regex PartitionSuffix();
}
