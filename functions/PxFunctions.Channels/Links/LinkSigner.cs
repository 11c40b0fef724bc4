using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PxFunctions.Channels.Links;

/// <summary>What a signed link does: answer a question, or unsubscribe an address.</summary>
public sealed record LinkPayload(
    [property: JsonPropertyName("k")] string Kind,
    [property: JsonPropertyName("i")] string? InstanceId,
    [property: JsonPropertyName("v")] string? Value,
    [property: JsonPropertyName("a")] string Address,
    [property: JsonPropertyName("n")] string Nonce,
    [property: JsonPropertyName("x")] long ExpiresUnix)
{
    public const string Answer = "a";
    public const string Unsubscribe = "u";
}

/// <summary>
/// Signed links for email: <c>base64url(payload).base64url(HMAC-SHA256(key, payload))</c>. The signature is checked in
/// constant time; expiry is in the payload; single use is the caller's (a nonce it records).
/// </summary>
public sealed class LinkSigner(byte[] key)
{
    public string Sign(LinkPayload payload)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(payload);
        return Base64Url(body) + "." + Base64Url(HMACSHA256.HashData(key, body));
    }

    /// <summary>The payload when the token is intact and not expired; otherwise null and why.</summary>
    public (LinkPayload? Payload, string? Error) Verify(string token, DateTimeOffset now)
    {
        var parts = token.Split('.');
        byte[] body, mac;
        try
        {
            if (parts.Length != 2)
            {
                return (null, "The link is not complete.");
            }

            body = FromBase64Url(parts[0]);
            mac = FromBase64Url(parts[1]);
        }
        catch (FormatException)
        {
            return (null, "The link is not complete.");
        }

        if (!CryptographicOperations.FixedTimeEquals(mac, HMACSHA256.HashData(key, body)))
        {
            return (null, "The link is not valid.");
        }

        var payload = JsonSerializer.Deserialize<LinkPayload>(body);
        if (payload is null)
        {
            return (null, "The link is not valid.");
        }

        return payload.ExpiresUnix < now.ToUnixTimeSeconds() ? (null, "The link has expired.") : (payload, null);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4));
    }
}
