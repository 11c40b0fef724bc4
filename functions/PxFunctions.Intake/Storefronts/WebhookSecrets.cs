using System.Security.Cryptography;
using System.Text;

namespace PxFunctions.Intake.Storefronts;

/// <summary>
/// The secrets a storefront signs its webhooks with, from a comma-separated setting so a secret can be rotated
/// without dropping deliveries (Shopify may take an hour to switch). An entry <c>shop=secret</c> applies to that shop
/// only; a plain entry to every shop. A signature is base64 HMAC-SHA256 of the raw body, compared in constant time.
/// </summary>
public sealed class WebhookSecrets
{
    private readonly List<(string? Shop, byte[] Key)> _keys;

    private WebhookSecrets(List<(string?, byte[])> keys) => _keys = keys;

    public bool IsConfigured => _keys.Count > 0;

    public static WebhookSecrets Parse(string? setting) => new(
        (setting ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(entry => entry.Split('=', 2) is [var shop, var secret] && shop.Contains('.', StringComparison.Ordinal)
                ? ((string?)shop.ToLowerInvariant(), Encoding.UTF8.GetBytes(secret))
                : (null, Encoding.UTF8.GetBytes(entry)))
            .ToList());

    /// <summary>True when the signature matches the body under any secret that applies to the shop.</summary>
    public bool Verify(string? shop, ReadOnlySpan<byte> body, string? signature)
    {
        if (string.IsNullOrWhiteSpace(signature))
        {
            return false;
        }

        byte[] presented;
        try
        {
            presented = Convert.FromBase64String(signature.Trim());
        }
        catch (FormatException)
        {
            return false;
        }

        var matched = false;
        foreach (var (keyShop, key) in _keys)
        {
            if (keyShop is null || string.Equals(keyShop, shop, StringComparison.OrdinalIgnoreCase))
            {
                // Every key is tried (no early exit), so timing does not tell which one matched.
                matched |= CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, body), presented);
            }
        }

        return matched;
    }

    /// <summary>The signature a storefront would send (tests and sample commands).</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) => Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
