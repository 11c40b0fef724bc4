namespace PxFunctions.Channels.Acs;

/// <summary>
/// An ACS connection string, <c>endpoint=https://{resource}.communication.azure.com/;accesskey={base64}</c>. Keys are
/// read case-insensitively; the endpoint's trailing slash is dropped so paths can be appended.
/// </summary>
public sealed record AcsConnectionString(Uri Endpoint, byte[] AccessKey)
{
    public static AcsConnectionString Parse(string connectionString)
    {
        var parts = connectionString
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);

        if (!parts.TryGetValue("endpoint", out var endpoint) || !Uri.TryCreate(endpoint.TrimEnd('/'), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback))
        {
            throw new FormatException("An ACS connection string needs endpoint=https://<resource>.communication.azure.com/.");
        }

        if (!parts.TryGetValue("accesskey", out var key))
        {
            throw new FormatException("An ACS connection string needs accesskey=<base64 key>.");
        }

        try
        {
            return new AcsConnectionString(uri, Convert.FromBase64String(key));
        }
        catch (FormatException)
        {
            throw new FormatException("The ACS access key is not base64.");
        }
    }
}
