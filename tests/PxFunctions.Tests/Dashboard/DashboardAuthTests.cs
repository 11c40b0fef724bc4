using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using PxFunctions.Configuration;
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
        using var api = await SendAsync(client, HttpMethod.Get, "/dashboard/data/admin/journeys", value);
        using var adminRouteItself = await SendAsync(client, HttpMethod.Get, "/api/admin/journeys", value);
        using var writeWithoutHeader = await SendAsync(client, HttpMethod.Post, "/dashboard/data/admin/journeys/validate", value);
        using var writeWithHeader = await SendAsync(client, HttpMethod.Post, "/dashboard/data/admin/journeys/validate", value, dashboardHeader: true);
        using var tamperedPage = await SendAsync(client, HttpMethod.Get, "/dashboard", value[..^2] + "AA");
        using var tamperedApi = await SendAsync(client, HttpMethod.Get, "/dashboard/data/admin/journeys", value[..^2] + "AA");
        using var logout = await SendAsync(client, HttpMethod.Post, "/dashboard/logout", value);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<main id=\"page\"", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal("application/json", api.Content.Headers.ContentType?.MediaType);
        // The admin routes themselves take the key only: the session reaches them through the gateway.
        Assert.Equal(HttpStatusCode.Unauthorized, adminRouteItself.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, writeWithoutHeader.StatusCode);
        Assert.Contains(DashboardSession.CsrfHeader, await writeWithoutHeader.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        // With the header the validate endpoint itself answers: an empty body is its 400 problem, not the gateway's.
        Assert.Equal(HttpStatusCode.BadRequest, writeWithHeader.StatusCode);
        Assert.Equal("application/problem+json", writeWithHeader.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Redirect, tamperedPage.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tamperedApi.StatusCode);
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

    [Fact]
    public async Task Gateway_RunsOnlyKeyLevelAdminRoutes_WithTheirRouteValues_AndIgnoresAClientsPrincipalHeaderStandalone()
    {
        await using var host = await DashboardApp.StartAsync(storage);
        using var client = Client(host);
        using var login = await LoginAsync(client, AppHost.AdminKey);
        var cookie = SessionCookie(login).Split(';')[0];

        // A route value reaches the endpoint: the map of a journey that does not exist is the map's own 404 problem.
        using var map = await SendAsync(client, HttpMethod.Get, "/dashboard/data/admin/journeys/no-such-journey/versions/1/map", cookie);
        using var badVersion = await SendAsync(client, HttpMethod.Get, "/dashboard/data/admin/journeys/no-such-journey/versions/x/map", cookie);
        using var literalFirst = await SendAsync(client, HttpMethod.Get, "/dashboard/data/admin/journeys/schema", cookie);
        using var running = await SendAsync(client, HttpMethod.Get, "/dashboard/data/admin/running", cookie);
        using var webhook = await SendAsync(client, HttpMethod.Post, "/dashboard/data/webhooks/shopify", cookie, dashboardHeader: true);
        using var itself = await SendAsync(client, HttpMethod.Get, "/dashboard/data/dashboard/data/admin/journeys", cookie);
        using var wrongMethod = await SendAsync(client, HttpMethod.Post, "/dashboard/data/admin/metrics", cookie, dashboardHeader: true);

        var forged = new HttpRequestMessage(HttpMethod.Get, "/dashboard/data/admin/journeys");
        forged.Headers.Add("X-MS-CLIENT-PRINCIPAL-ID", "00000000-0000-0000-0000-000000000001");
        forged.Headers.Add("X-MS-CLIENT-PRINCIPAL-NAME", "someone@example.com");
        using var forgedPrincipal = await client.SendAsync(forged, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, map.StatusCode);
        Assert.Contains("no-such-journey", await map.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badVersion.StatusCode);
        Assert.Contains("\"field\":\"version\"", await badVersion.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, literalFirst.StatusCode);
        Assert.Equal("application/schema+json", literalFirst.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, running.StatusCode);
        Assert.Contains("\"total\":0", await running.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, webhook.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, itself.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, wrongMethod.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forgedPrincipal.StatusCode);
    }

    [Fact]
    public void AppServicePrincipal_SignsIn_OnlyWhenThePlatformSaysAuthenticationIsOn()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [SettingNames.Key(SettingNames.Storage)] = "UseDevelopmentStorage=true",
            [SettingNames.Key(SettingNames.AdminKey)] = AppHost.AdminKey,
            ["WEBSITE_AUTH_ENABLED"] = "True",
        }).Build();
        var underHost = PxSettings.Read(config, isDevelopment: false, underFunctionsHost: true);
        var standalone = PxSettings.Read(config, isDevelopment: false, underFunctionsHost: false);
        var environment = new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = "Production" };

        static HttpContext With(string? principal)
        {
            var context = new DefaultHttpContext();
            if (principal is not null)
            {
                context.Request.Headers["X-MS-CLIENT-PRINCIPAL-ID"] = principal;
            }

            return context;
        }

        Assert.True(underHost.AppServiceAuthentication);
        Assert.False(standalone.AppServiceAuthentication);
        Assert.True(new DashboardSession(underHost, environment, TimeProvider.System).IsSignedIn(With("5f1c2a9e-0000-4000-8000-000000000001")));
        Assert.False(new DashboardSession(underHost, environment, TimeProvider.System).IsSignedIn(With(null)));
        Assert.False(new DashboardSession(underHost with { AppServiceAuthentication = false }, environment, TimeProvider.System).IsSignedIn(With("5f1c2a9e-0000-4000-8000-000000000001")));
        Assert.False(new DashboardSession(standalone, environment, TimeProvider.System).IsSignedIn(With("5f1c2a9e-0000-4000-8000-000000000001")));
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string cookie, bool dashboardHeader = false)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", cookie);
        if (dashboardHeader)
        {
            request.Headers.Add(DashboardSession.CsrfHeader, "1");
        }

        return client.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
