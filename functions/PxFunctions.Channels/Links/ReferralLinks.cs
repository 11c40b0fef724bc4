using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace PxFunctions.Channels.Links;

/// <summary>What a referral token stands for: the journey whose customer shares it. Ids only.</summary>
/// <param name="CustomerHash">A hash of the referring customer's key, so their own orders through it are told apart.</param>
public sealed record Referral(string Token, string InstanceId, string JourneyId, string Shop, string CustomerHash);

/// <summary>
/// Referral links: <c>{public base}/api/ref/{token}</c>, one per journey instance (a customer's journey for a
/// product), given to templates as <c>links.referral</c>. The token is 16 base64url characters of an HMAC of the
/// instance id (the same however often the intake starts the journey; not guessable, not reversible, no personal
/// data), and a row of table <c>PxReferrals</c> says what it stands for, so a link works whatever the key is later.
/// Clicking it leads to the store with <c>px_ref={token}</c>; an order whose landing page carries that code
/// converts the referral.
/// </summary>
public sealed class ReferralLinks(TableClient table, byte[] key, Uri publicBaseUrl)
{
    public const string TableName = "PxReferrals";

    /// <summary>The query parameter the store's landing page carries the referral code in.</summary>
    public const string CodeParameter = "px_ref";

    private const int TokenLength = 16;

    /// <summary>The start of every referral link: a message that contains it carries one.</summary>
    public string Prefix { get; } = new Uri(publicBaseUrl, "/api/ref/").ToString();

    public string TokenOf(string instanceId)
    {
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("referral\n" + instanceId));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_')[..TokenLength];
    }

    /// <summary>Keeps the instance's token (an upsert: a repeated start writes the same row) and returns its link.</summary>
    public async Task<string> IssueAsync(string instanceId, string journeyId, string shop, string customerKey, CancellationToken cancellationToken)
    {
        var token = TokenOf(instanceId);
        await table.UpsertEntityAsync(
            new TableEntity(token, "")
            {
                ["InstanceId"] = instanceId,
                ["JourneyId"] = journeyId,
                ["Shop"] = shop,
                ["CustomerHash"] = HashOf(customerKey),
            },
            TableUpdateMode.Replace,
            cancellationToken);
        return Prefix + token;
    }

    /// <summary>The referral a token stands for; null for anything not issued (no storage read for what cannot be a token).</summary>
    public async Task<Referral?> FindAsync(string? token, CancellationToken cancellationToken)
    {
        if (token is not { Length: TokenLength } || !token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return null;
        }

        NullableResponse<TableEntity> found;
        try
        {
            found = await table.GetEntityIfExistsAsync<TableEntity>(token, "", cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null; // the table is not there yet: nothing was issued
        }

        if (!found.HasValue || found.Value is not { } row)
        {
            return null;
        }

        return new Referral(token, row.GetString("InstanceId") ?? "", row.GetString("JourneyId") ?? "", row.GetString("Shop") ?? "", row.GetString("CustomerHash") ?? "");
    }

    /// <summary>Whether a message's text holds a referral link.</summary>
    public bool IsIn(string? text) => text?.Contains(Prefix, StringComparison.Ordinal) == true;

    /// <summary>The referral code in a landing page's address (<c>/?px_ref=…</c>, absolute or relative), if any.</summary>
    public static string? CodeIn(string? landingPage)
    {
        var query = landingPage?.IndexOf('?', StringComparison.Ordinal) is >= 0 and var at ? landingPage[(at + 1)..] : null;
        if (query is null)
        {
            return null;
        }

        var fragment = query.IndexOf('#', StringComparison.Ordinal);
        foreach (var pair in (fragment >= 0 ? query[..fragment] : query).Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && Uri.UnescapeDataString(pair[..equals]) == CodeParameter)
            {
                return Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' ')).Trim() is { Length: > 0 } code ? code : null;
            }
        }

        return null;
    }

    /// <summary>The hash a referral keeps of the referring customer's key (never the key).</summary>
    public static string HashOf(string customerKey) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("referrer\n" + customerKey)))[..32];
}
