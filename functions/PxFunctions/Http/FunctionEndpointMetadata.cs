using PxFunctions.Triggers;

namespace PxFunctions.Http;

/// <summary>The key level an HTTP function needs (function.json <c>authLevel</c>); endpoints without it need a key.</summary>
public sealed record FunctionAuthMetadata(FunctionAuthLevel Level);

/// <summary>Conventions for declaring HTTP functions on minimal API endpoints.</summary>
public static class FunctionEndpointConventions
{
    /// <summary>Anyone may call this route (health, signed webhooks whose signature the handler checks).</summary>
    public static TBuilder AllowAnonymousFunction<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new FunctionAuthMetadata(FunctionAuthLevel.Anonymous));

    /// <summary>Callers need a function key (<c>x-functions-key</c> header or <c>code</c> query).</summary>
    public static TBuilder RequireFunctionKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new FunctionAuthMetadata(FunctionAuthLevel.Function));
}
