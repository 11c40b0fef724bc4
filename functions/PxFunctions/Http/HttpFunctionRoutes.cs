using PxFunctions.Configuration;
using PxFunctions.Hosting;
using PxFunctions.Triggers;

namespace PxFunctions.Http;

/// <summary>One HTTP function: its name, methods, route (without the host's <c>api/</c> prefix) and key level.</summary>
public sealed record HttpFunctionRoute(string Name, IReadOnlyList<string> Methods, string Route, FunctionAuthLevel AuthLevel);

/// <summary>
/// The app's HTTP functions as one route table (<see cref="PxApp.MapPxFunctions"/>), built once without a server.
/// Standalone, Kestrel serves the same table directly; under the Functions host each <c>[Function]</c> runs its
/// endpoint's request delegate by name, so both hosts share binding, validation and results to the byte.
/// </summary>
public sealed class HttpFunctionRoutes : IEndpointRouteBuilder
{
    private readonly Dictionary<string, RouteEndpoint> _byName;

    public HttpFunctionRoutes(IServiceProvider services, PxSettings settings)
    {
        ServiceProvider = services;
        this.MapPxFunctions(settings);
        _byName = DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .ToDictionary(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? throw new InvalidOperationException($"The HTTP route {e.RoutePattern.RawText} has no name (WithName): it cannot be a function."), StringComparer.Ordinal);
    }

    public IServiceProvider ServiceProvider { get; }

    public ICollection<EndpointDataSource> DataSources { get; } = new List<EndpointDataSource>();

    public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(ServiceProvider);

    /// <summary>Every HTTP function of the table.</summary>
    public IReadOnlyList<HttpFunctionRoute> Routes => _byName.Values.Select(Describe).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();

    /// <summary>Every endpoint of the table, for callers that route within it (<see cref="Dashboard.DashboardGateway"/>).</summary>
    public IEnumerable<RouteEndpoint> Endpoints => _byName.Values;

    /// <summary>Runs the endpoint named <paramref name="name"/> on the request (a 404 problem when this configuration has no such route).</summary>
    public IResult Run(string name) => new EndpointResult(_byName.GetValueOrDefault(name));

    public static HttpFunctionRoute Describe(RouteEndpoint endpoint)
    {
        var route = (endpoint.RoutePattern.RawText ?? "").Trim('/');
        return new HttpFunctionRoute(
            endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "",
            endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Select(m => m.ToLowerInvariant()).Order(StringComparer.Ordinal).ToList() ?? [],
            route.StartsWith("api/", StringComparison.Ordinal) ? route[4..] : route,
            endpoint.Metadata.GetMetadata<FunctionAuthMetadata>()?.Level ?? FunctionAuthLevel.Function);
    }

    private sealed class EndpointResult(RouteEndpoint? endpoint) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) =>
            endpoint is null
                ? Problems.Status(StatusCodes.Status404NotFound, "Not here.", "This route is not served in this configuration.", "path").ExecuteAsync(httpContext)
                : endpoint.RequestDelegate!(httpContext);
    }
}
