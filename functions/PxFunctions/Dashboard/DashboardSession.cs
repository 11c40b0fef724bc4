using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using PxFunctions.Configuration;

namespace PxFunctions.Dashboard;

/// <summary>
/// The dashboard's session in the standalone host: the admin key, posted once on the login page, is exchanged for
/// a cookie <c>px_session</c> = <c>{expiry unix seconds}.{HMAC-SHA256}</c>, signed with a key derived from the admin
/// key (so rotating the admin key ends every session). The cookie is HttpOnly, SameSite=Strict and Secure, except
/// over plain http on loopback in Development where a browser would drop a Secure cookie.
/// </summary>
public sealed class DashboardSession(PxSettings settings, IHostEnvironment environment, TimeProvider time)
{
    public const string CookieName = "px_session";

    /// <summary>Requests that change something with the cookie must carry this header: a cross-site form cannot add it.</summary>
    public const string CsrfHeader = "X-Px-Dashboard";

    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    private readonly byte[]? _signingKey = settings.AdminKey is null
        ? null
        : HMACSHA256.HashData(Encoding.UTF8.GetBytes(settings.AdminKey), "px-dashboard-session/v1"u8);

    /// <summary>Development without an admin key: the dashboard is open, as every admin route is.</summary>
    public bool IsOpen => settings.AllowAnonymousAdmin;

    /// <summary>Whether the presented key is the admin key (constant time).</summary>
    public bool IsAdminKey(string? presented) =>
        settings.AdminKey is { } key && presented is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(key));

    /// <summary>
    /// Whether the request may see the dashboard: open, a valid unexpired session cookie, or (in Azure) a user App
    /// Service Authentication signed in (<see cref="PxSettings.AppServiceAuthentication"/>: only then is the
    /// principal header the platform's word rather than the client's).
    /// </summary>
    public bool IsSignedIn(HttpContext context) =>
        IsOpen || IsValid(context.Request.Cookies[CookieName])
        || (settings.AppServiceAuthentication && !string.IsNullOrEmpty(context.Request.Headers["X-MS-CLIENT-PRINCIPAL-ID"]));

    public bool IsValid(string? cookie)
    {
        if (_signingKey is null || string.IsNullOrEmpty(cookie))
        {
            return false;
        }

        var dot = cookie.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !long.TryParse(cookie.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            return false;
        }

        var expected = Sign(cookie[..dot]);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie[(dot + 1)..]), Encoding.ASCII.GetBytes(expected))
            && time.GetUtcNow().ToUnixTimeSeconds() < expires;
    }

    /// <summary>Starts a session: appends the signed cookie to the response.</summary>
    public void SignIn(HttpContext context)
    {
        var expires = time.GetUtcNow().Add(Lifetime);
        var payload = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        context.Response.Cookies.Append(CookieName, payload + "." + Sign(payload), Options(context, expires, Lifetime));
    }

    public void SignOut(HttpContext context) =>
        context.Response.Cookies.Delete(CookieName, Options(context, DateTimeOffset.UnixEpoch, null));

    private CookieOptions Options(HttpContext context, DateTimeOffset expires, TimeSpan? maxAge) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = !(environment.IsDevelopment() && !context.Request.IsHttps && IsLoopback(context)),
        Path = "/",
        Expires = expires,
        MaxAge = maxAge,
    };

    private static bool IsLoopback(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip);

    private string Sign(string payload) =>
        Convert.ToBase64String(HMACSHA256.HashData(_signingKey!, Encoding.ASCII.GetBytes(payload))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
