using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PxFunctions.Channels.Desk;

/// <summary>
/// The signature on every helpdesk delivery: header <c>X-Px-Signature: t={unix seconds},v1={hex}</c>, where the hex is
/// HMAC-SHA256, keyed with <c>Px__Helpdesk__Secret</c>, over <c>{t}.{raw body}</c>. The time is signed with the body,
/// so a receiver can refuse a replay older than a few minutes; every retry is signed afresh.
/// </summary>
public static class HelpdeskSignature
{
    public const string Header = "X-Px-Signature";
    public const string EventIdHeader = "X-Px-Event-Id";
    public const string EventKindHeader = "X-Px-Event";

    public static string Sign(byte[] secret, DateTimeOffset at, byte[] body)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Convert.ToHexString(Mac(secret, t, body)).ToLowerInvariant()}";
    }

    /// <summary>Checks a header against the body (what a receiver does); false when it does not parse or match.</summary>
    public static bool Verify(byte[] secret, string? header, byte[] body, out DateTimeOffset signedAt)
    {
        signedAt = default;
        string? t = null, v1 = null;
        foreach (var part in (header ?? "").Split(','))
        {
            var (name, value) = part.IndexOf('=', StringComparison.Ordinal) is var at and > 0 ? (part[..at].Trim(), part[(at + 1)..].Trim()) : ("", "");
            if (name == "t")
            {
                t = value;
            }
            else if (name == "v1")
            {
                v1 = value;
            }
        }

        if (t is null || v1 is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }

        byte[] presented;
        try
        {
            presented = Convert.FromHexString(v1);
        }
        catch (FormatException)
        {
            return false;
        }

        signedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return CryptographicOperations.FixedTimeEquals(presented, Mac(secret, t, body));
    }

    private static byte[] Mac(byte[] secret, string t, byte[] body)
    {
        var signed = new byte[t.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(t, signed);
        signed[t.Length] = (byte)'.';
        body.CopyTo(signed, t.Length + 1);
        return HMACSHA256.HashData(secret, signed);
    }
}
