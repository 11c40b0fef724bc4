using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace PxFunctions.Channels.Acs;

/// <summary>
/// Signs each request as ACS requires for access-key auth: <c>x-ms-date</c> (RFC 1123), <c>x-ms-content-sha256</c>
/// (base64 SHA-256 of the body, of "" for a GET) and
/// <c>Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&amp;Signature=...</c>, where the
/// signature is HMAC-SHA256 (key = the decoded access key) of <c>METHOD\nPATH?QUERY\ndate;host;hash</c>. It sits in the
/// per-retry position, so every retry is signed afresh with a new date.
/// </summary>
public sealed class AcsHmacPolicy(byte[] accessKey, TimeProvider time) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        var body = ReadBody(request);
        var contentHash = Convert.ToBase64String(SHA256.HashData(body));
        var date = time.GetUtcNow().ToString("r", CultureInfo.InvariantCulture);
        var uri = request.Uri.ToUri();
        var signature = Sign(accessKey, request.Method.Method, uri.PathAndQuery, date, uri.Authority, contentHash);
        request.Headers.SetValue("x-ms-date", date);
        request.Headers.SetValue("x-ms-content-sha256", contentHash);
        request.Headers.SetValue("Authorization", $"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}");
    }

    /// <summary>The signature of one request; the ACS test double computes it the same way to check ours.</summary>
    public static string Sign(byte[] key, string method, string pathAndQuery, string date, string host, string contentHash)
    {
        var toSign = $"{method.ToUpperInvariant()}\n{pathAndQuery}\n{date};{host};{contentHash}";
        return Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
    }

    private static byte[] ReadBody(Request request)
    {
        if (request.Content is null)
        {
            return [];
        }

        using var buffer = new MemoryStream();
        request.Content.WriteTo(buffer, CancellationToken.None);
        return buffer.ToArray();
    }
}
