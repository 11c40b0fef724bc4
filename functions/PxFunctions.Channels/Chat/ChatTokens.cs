using PxFunctions.Channels.Links;

namespace PxFunctions.Channels.Chat;

/// <summary>Who a chat token speaks for: the customer (their profile key, never an address), the journey instance, the session.</summary>
public sealed record ChatIdentity(string CustomerId, string? InstanceId, string SessionId);

/// <summary>
/// The web chat's signed tokens, both <see cref="LinkSigner"/> payloads with ids only: a <b>link</b> token (kind
/// <c>c</c>, long-lived) that a message or the brand's server hands the customer, and a <b>session</b> token (kind
/// <c>s</c>, 12 hours) that opening the chat exchanges it for and every later call carries as a Bearer token. The
/// link goes in the URL fragment (<c>/api/chat#t=…</c>), which browsers never send to a server, so no log holds it.
/// </summary>
public sealed class ChatTokens(LinkSigner signer, Uri publicBaseUrl, TimeProvider time)
{
    public const string LinkKind = "c";
    public const string SessionKind = "s";
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromDays(60);
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);

    /// <summary>A link token for the customer (and the journey instance that offers the chat, when there is one) and the page it opens.</summary>
    public (string Token, string Url) Link(string customerId, string? instanceId)
    {
        var token = signer.Sign(new LinkPayload(LinkKind, instanceId, null, customerId, Guid.NewGuid().ToString("N"), (time.GetUtcNow() + LinkLifetime).ToUnixTimeSeconds()));
        return (token, new Uri(publicBaseUrl, "/api/chat").ToString() + "#t=" + token);
    }

    /// <summary>Opens a session from a link token: the identity and its session token, or why not.</summary>
    public (ChatIdentity? Identity, string? Session, string? Error) Open(string linkToken)
    {
        var (payload, error) = signer.Verify(linkToken, time.GetUtcNow());
        if (payload is null || payload.Kind != LinkKind || payload.Address.Length == 0)
        {
            return (null, null, error ?? "The token is not a chat link.");
        }

        var identity = new ChatIdentity(payload.Address, payload.InstanceId, Guid.NewGuid().ToString("N"));
        var session = signer.Sign(new LinkPayload(SessionKind, identity.InstanceId, null, identity.CustomerId, identity.SessionId, (time.GetUtcNow() + SessionLifetime).ToUnixTimeSeconds()));
        return (identity, session, null);
    }

    /// <summary>The session's identity when the token is an intact, unexpired session token; otherwise null and why.</summary>
    public (ChatIdentity? Identity, string? Error) Session(string? sessionToken)
    {
        if (string.IsNullOrEmpty(sessionToken))
        {
            return (null, "Send the session token as Authorization: Bearer {token}.");
        }

        var (payload, error) = signer.Verify(sessionToken, time.GetUtcNow());
        return payload is null || payload.Kind != SessionKind
            ? (null, error ?? "The token is not a chat session.")
            : (new ChatIdentity(payload.Address, payload.InstanceId, payload.Nonce), null);
    }
}
