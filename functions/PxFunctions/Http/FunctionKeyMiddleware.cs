using System.Security.Cryptography;
using System.Text;
using PxFunctions.Configuration;
using PxFunctions.Dashboard;
using PxFunctions.Triggers;

namespace PxFunctions.Http;

/// <summary>
/// Enforces the Functions key convention in the standalone host (under the Functions host, the host checks keys
/// itself by each function's authorization level): routes that need a key are checked against <c>Px__AdminKey</c>
/// (header <c>x-functions-key</c> or query <c>code</c>); without that setting they are refused, except in Development.
/// Only the key opens them, as under the Functions host: the dashboard's session reaches them through
/// <see cref="DashboardGateway"/>, which checks the session instead.
/// </summary>
public sealed class FunctionKeyMiddleware(RequestDelegate next, PxSettings settings, ILogger<FunctionKeyMiddleware> logger)
{
    private readonly byte[]? _key = settings.AdminKey is null ? null : Encoding.UTF8.GetBytes(settings.AdminKey);

    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        var level = endpoint?.Metadata.GetMetadata<FunctionAuthMetadata>()?.Level ?? FunctionAuthLevel.Function;
        if (endpoint is null || level == FunctionAuthLevel.Anonymous)
        {
            await next(context);
            return;
        }

        var refusal = CheckKey(context);
        if (refusal is not null)
        {
            logger.LogWarning("Refused {Method} {Path}: {Reason}", context.Request.Method, context.Request.Path, refusal);
            await Problems.Status(StatusCodes.Status401Unauthorized, "A function key is required.", refusal).ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    private string? CheckKey(HttpContext context)
    {
        if (_key is null)
        {
            return settings.AllowAnonymousAdmin
                ? null
                : $"This route needs a key and none is configured: set {SettingNames.AdminKey}.";
        }

        string? presented = context.Request.Headers["x-functions-key"];
        presented ??= context.Request.Query["code"];
        if (presented is null)
        {
            return "Send the key in the x-functions-key header or the code query parameter.";
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key) ? null : "The key is not valid.";
    }
}
