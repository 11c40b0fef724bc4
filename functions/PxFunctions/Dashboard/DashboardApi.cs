using System.Net;
using PxFunctions.Http;

namespace PxFunctions.Dashboard;

/// <summary>
/// <c>/dashboard</c>: the single-page dashboard (embedded files), its login and logout, and the gateway its pages
/// call the admin API through (<see cref="DashboardGateway"/>). These routes are anonymous to the key check: each
/// asks for a dashboard session itself (the page sends the login page, the gateway a 401 problem).
/// </summary>
public static class DashboardApi
{
    private const string Route = "/dashboard";

    public static IEndpointRouteBuilder MapDashboardApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Route, Index).WithName("Dashboard").AllowAnonymousFunction();
        endpoints.MapGet(Route + "/assets/{name}", Asset).WithName("DashboardAsset").AllowAnonymousFunction();
        endpoints.MapGet(Route + "/login", LoginPage).WithName("DashboardLoginPage").AllowAnonymousFunction();
        endpoints.MapPost(Route + "/login", LoginAsync).WithName("DashboardLogin").AllowAnonymousFunction().DisableAntiforgery();
        endpoints.MapPost(Route + "/logout", Logout).WithName("DashboardLogout").AllowAnonymousFunction().DisableAntiforgery();

        // The pages' calls to the admin API: anonymous to the key check, the gateway checks the dashboard session.
        endpoints.MapMethods(DashboardGateway.Prefix + "/{*path}", ["GET", "POST"], (HttpContext context, DashboardGateway gateway) => gateway.RunAsync(context))
            .WithName("DashboardData").AllowAnonymousFunction().DisableAntiforgery();
        return endpoints;
    }

    /// <summary>The dashboard's own path as the browser sees it (<c>/dashboard</c> standalone, <c>/api/dashboard</c> under the Functions host).</summary>
    private static string BaseOf(HttpRequest request)
    {
        var path = (request.PathBase + request.Path).Value ?? Route;
        var at = path.LastIndexOf(Route, StringComparison.Ordinal);
        return at < 0 ? Route : path[..(at + Route.Length)];
    }

    private static IResult Index(HttpContext context, DashboardSession session)
    {
        if (!session.IsSignedIn(context))
        {
            return Results.Redirect(BaseOf(context.Request) + "/login");
        }

        var html = DashboardAssets.Text("index.html")
            .Replace("{{base}}", WebUtility.HtmlEncode(BaseOf(context.Request)), StringComparison.Ordinal)
            .Replace("{{signedIn}}", session.IsOpen ? "open" : "session", StringComparison.Ordinal);
        return Page(context, html, StatusCodes.Status200OK);
    }

    private static IResult Asset(string name, HttpContext context)
    {
        if (DashboardAssets.Find(name) is not { } file || name.EndsWith(".html", StringComparison.Ordinal))
        {
            return Problems.Status(StatusCodes.Status404NotFound, "Not here.", $"The dashboard has no file '{name}'.", "name");
        }

        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Bytes(file.Content, file.ContentType);
    }

    private static IResult LoginPage(HttpContext context, DashboardSession session) =>
        session.IsSignedIn(context)
            ? Results.Redirect(BaseOf(context.Request))
            : Page(context, Login(context.Request, null), StatusCodes.Status200OK);

    private static async Task<IResult> LoginAsync(HttpContext context, DashboardSession session, ILogger<DashboardSession> logger, CancellationToken ct)
    {
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(ct) : null;
        if (!session.IsAdminKey(form?["key"]))
        {
            logger.LogWarning("Dashboard login refused: the key is not the admin key");
            return Page(context, Login(context.Request, "That is not the admin key."), StatusCodes.Status401Unauthorized);
        }

        session.SignIn(context);
        return Results.Redirect(BaseOf(context.Request));
    }

    private static IResult Logout(HttpContext context, DashboardSession session)
    {
        session.SignOut(context);
        return Results.Redirect(BaseOf(context.Request) + "/login");
    }

    private static string Login(HttpRequest request, string? error)
    {
        var baseUrl = WebUtility.HtmlEncode(BaseOf(request));
        return DashboardAssets.Text("login.html")
            .Replace("{{base}}", baseUrl, StringComparison.Ordinal)
            .Replace("{{error}}", error is null ? "" : $"<p class=\"error\" role=\"alert\">{WebUtility.HtmlEncode(error)}</p>", StringComparison.Ordinal);
    }

    private static IResult Page(HttpContext context, string html, int status)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";
        headers["Referrer-Policy"] = "no-referrer";
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
