using System.Net;
using PxFunctions.Dashboard;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Dashboard;

/// <summary>The dashboard's access over real HTTP: the login page, the key for a cookie, the cookie's flags, the cookie in place of the key.</summary>
public sealed class DashboardAuthTests(StorageFixture storage)
{
    private static HttpClient Client(AppHost host) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = host.BaseAddress };

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string key) =>
        client.PostAsync("/dashboard/login", new FormUrlEncodedContent([new("key", key)]), TestContext.Current.CancellationToken);

    private static string SessionCookie(HttpResponseMessage response) =>
        Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(DashboardSession.CookieName + "=", StringComparison.Ordinal));

    [Fact]
    public async Task Dashboard_WithoutSession_RedirectsToLoginPage()
    {
        await using var host = await DashboardApp.StartAsync(storage);
        using var client = Client(host);

        using var page = await client.GetAsync("/dashboard", TestContext.Current.CancellationToken);
        using var login = await client.GetAsync("/dashboard/login", TestContext.Current.CancellationToken);
        using var api = await client.GetAsync("/api/admin/journeys", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/dashboard/login", page.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var html = await login.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("<form method=\"post\" action=\"/dashboard/login\">", html, StringComparison.Ordinal);
        Assert.Contains("type=\"password\"", html, StringComparison.Ordinal);
        Assert.Equal("no-store", login.Headers.CacheControl?.ToString());
        Assert.Contains("frame-ancestors 'none'", login.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Login_WrongKey_Is401WithTheLoginErrorAndNoCookie()
    {
        await using var host = await DashboardApp.StartAsync(storage);
        using var client = Client(host);

        using var response = await LoginAsync(client, "not-the-admin-key-at-all");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("That is not the admin key.", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Login_RightKey_SetsASecureSignedCookieThatOpensPagesAndTheAdminApi()
    {
        await using var host = await DashboardApp.StartAsync(storage);
        using var client = Client(host);

        using var login = await LoginAsync(client, AppHost.AdminKey);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/dashboard", login.Headers.Location?.OriginalString);
        var cookie = SessionCookie(login);
        var flags = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(f => f.ToLowerInvariant()).ToList();
        Assert.Contains("httponly", flags);
        Assert.Contains("secure", flags);
        Assert.Contains("samesite=strict", flags);
        Assert.Contains("path=/", flags);
        Assert.Contains(flags, f => f.StartsWith("expires=", StringComparison.Ordinal));
        Assert.Contains($"max-age={(int)DashboardSession.Lifetime.TotalSeconds}", flags);
        var value = cookie.Split(';')[0];
        Assert.DoesNotContain(AppHost.AdminKey, value, StringComparison.Ordinal);

        using var page = await SendAsync(client, HttpMethod.Get, "/dashboard", value);
        using var api = await SendAsync(client, HttpMethod.Get, "/api/admin/journeys", value);
        using var writeWithoutHeader = await SendAsync(client, HttpMethod.Post, "/api/admin/journeys/validate", value);
        using var tampered = await SendAsync(client, HttpMethod.Get, "/dashboard", value[..^2] + "AA");
        using var logout = await SendAsync(client, HttpMethod.Post, "/dashboard/logout", value);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<main id=\"page\"", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, writeWithoutHeader.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, tampered.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Contains("expires=Thu, 01 Jan 1970", SessionCookie(logout), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Development_OverHttpOnLoopback_CookieIsNotSecure_AndWithoutAKeyTheDashboardIsOpen()
    {
        await using (var host = await DashboardApp.StartAsync(storage, environment: "Development"))
        {
            using var client = Client(host);
            using var login = await LoginAsync(client, AppHost.AdminKey);
            var flags = SessionCookie(login).Split(';', StringSplitOptions.TrimEntries).Select(f => f.ToLowerInvariant()).ToList();
            Assert.DoesNotContain("secure", flags);
            Assert.Contains("httponly", flags);
            Assert.Contains("samesite=strict", flags);
        }

        await using (var open = await DashboardApp.StartAsync(storage, environment: "Development", withKey: false))
        {
            using var client = Client(open);
            using var page = await client.GetAsync("/dashboard", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        await using (var production = await DashboardApp.StartAsync(storage, withKey: false))
        {
            using var client = Client(production);
            using var page = await client.GetAsync("/dashboard", TestContext.Current.CancellationToken);
            using var login = await LoginAsync(client, "anything-at-all-here");
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        }
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string cookie)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", cookie);
        return client.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
