using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;
using PxFunctions.Http;
using PxFunctions.Triggers;

namespace PxFunctions.Dashboard;

/// <summary>
/// <c>/dashboard/data/{admin route}</c>: how the dashboard's pages reach the admin API. The admin routes take the
/// admin key and nothing else (in Azure the Functions host checks it, and a key cannot live in a browser); the
/// dashboard's own sign-in — the session cookie standalone, App Service Authentication with Entra ID in Azure,
/// nothing in Development — is checked here, once, for every page call. A signed-in call runs the admin endpoint
/// of the same route and method from the app's one route table (<see cref="HttpFunctionRoutes"/>), so the
/// dashboard sees exactly what the admin API answers, problems included.
/// <para>Writes must carry <see cref="DashboardSession.CsrfHeader"/>: a cross-site form cannot add a header, and
/// the cookie is SameSite=Strict besides. Only key-level routes are reachable this way (never a webhook, and never
/// this gateway itself).</para>
/// </summary>
public sealed class DashboardGateway
{
    public const string Prefix = "/dashboard/data";

    private readonly Lazy<IReadOnlyList<Target>> _targets;

    public DashboardGateway(IServiceProvider services) =>
        _targets = new(() => services.GetRequiredService<HttpFunctionRoutes>().Endpoints
            .Where(e => e.Metadata.GetMetadata<FunctionAuthMetadata>()?.Level is null or FunctionAuthLevel.Function)
            .Select(Target.Of)
            .OrderBy(t => t.Precedence)
            .ToList());

    public async Task RunAsync(HttpContext context)
    {
        var session = context.RequestServices.GetRequiredService<DashboardSession>();
        if (!session.IsSignedIn(context))
        {
            await Problems.Status(StatusCodes.Status401Unauthorized, "Sign in to the dashboard.", "This call needs a dashboard session (sign in at /dashboard/login).").ExecuteAsync(context);
            return;
        }

        var method = context.Request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !context.Request.Headers.ContainsKey(DashboardSession.CsrfHeader))
        {
            await Problems.Status(StatusCodes.Status403Forbidden, "Not from the dashboard.", $"A dashboard call that changes something must carry the {DashboardSession.CsrfHeader} header.", DashboardSession.CsrfHeader).ExecuteAsync(context);
            return;
        }

        var path = AdminPathOf(context.Request);
        var values = new RouteValueDictionary();
        var target = _targets.Value.FirstOrDefault(t => t.Methods.Contains(method, StringComparer.OrdinalIgnoreCase) && t.Matcher.TryMatch(path, values = new RouteValueDictionary()));
        if (target is null)
        {
            await Problems.Status(StatusCodes.Status404NotFound, "Not here.", $"The admin API has no {method} {path}.", "path").ExecuteAsync(context);
            return;
        }

        foreach (var (name, value) in values)
        {
            context.Request.RouteValues[name] = value;
        }

        await target.Endpoint.RequestDelegate!(context);
    }

    /// <summary>
    /// The admin route asked for: the part of the path after <see cref="Prefix"/>, read from the path itself so it
    /// is the same standalone and under the Functions host (which serves this under <c>/api</c>).
    /// </summary>
    private static PathString AdminPathOf(HttpRequest request)
    {
        var full = (request.PathBase + request.Path).Value ?? "";
        var at = full.IndexOf(Prefix + "/", StringComparison.Ordinal);
        return at < 0 ? PathString.Empty : new PathString(full[(at + Prefix.Length)..]);
    }

    private sealed record Target(RouteEndpoint Endpoint, IReadOnlyList<string> Methods, TemplateMatcher Matcher, decimal Precedence)
    {
        public static Target Of(RouteEndpoint endpoint)
        {
            var described = HttpFunctionRoutes.Describe(endpoint);
            var pattern = RoutePatternFactory.Parse("/" + described.Route);
            return new Target(endpoint, described.Methods, new TemplateMatcher(new RouteTemplate(pattern), new RouteValueDictionary()), pattern.InboundPrecedence);
        }
    }
}
