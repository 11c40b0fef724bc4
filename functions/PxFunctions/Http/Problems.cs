namespace PxFunctions.Http;

/// <summary>problem+json answers with the field at fault and the reason, the shape every error of the API takes.</summary>
public static class Problems
{
    public static IResult Status(int status, string title, string detail, string? field = null)
    {
        var extensions = field is null ? null : new Dictionary<string, object?> { ["field"] = field };
        return Results.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);
    }

    public static IResult BadRequest(string field, string reason) =>
        Results.ValidationProblem(
            new Dictionary<string, string[]> { [field] = [reason] },
            detail: $"{field}: {reason}",
            title: "The request is not valid.",
            extensions: new Dictionary<string, object?> { ["field"] = field });
}
