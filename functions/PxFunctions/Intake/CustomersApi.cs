using PxFunctions.Http;
using PxFunctions.Intake.Privacy;

namespace PxFunctions.Intake;

/// <summary>
/// A customer's data on request: the export of everything held about them, and erasure from every store. The id is
/// the customer's key, <c>{shop}|{storefront customer id}</c> (a guest's email or number in place of the id), as in
/// the message log's <c>c:{key}</c>.
/// </summary>
public static class CustomersApi
{
    public const int MaxKeyLength = 300;

    public static IEndpointRouteBuilder MapCustomersApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/admin/customers/{id}/export", ExportAsync).WithName("ExportCustomer").RequireFunctionKey();
        endpoints.MapPost("/api/admin/customers/{id}/erase", EraseAsync).WithName("EraseCustomer").RequireFunctionKey();
        return endpoints;
    }

    private static async Task<IResult> ExportAsync(string id, CustomerExport export, CancellationToken ct)
    {
        if (Problem(id) is { } problem)
        {
            return problem;
        }

        return await export.BuildAsync(id, ct) is { } document ? Results.Json(document) : NotFound(id);
    }

    /// <summary>Erases the customer; running it again after an interruption finishes the job (200 both times until the profile is gone, then 404).</summary>
    private static async Task<IResult> EraseAsync(string id, CustomerErasure erasure, CancellationToken ct)
    {
        if (Problem(id) is { } problem)
        {
            return problem;
        }

        var result = await erasure.EraseAsync(id, ct);
        return result.Found ? Results.Ok(new { erased = true, journeysEnded = result.Journeys, orders = result.Orders }) : NotFound(id);
    }

    private static IResult? Problem(string id) =>
        string.IsNullOrWhiteSpace(id) ? Problems.BadRequest("id", "is required: the customer's key, {shop}|{customer id}.")
        : id.Length > MaxKeyLength ? Problems.BadRequest("id", $"must be at most {MaxKeyLength} characters.")
        : id.Any(c => char.IsControl(c) || c is '/' or '\\' or '#' or '?') ? Problems.BadRequest("id", "must not hold control characters or / \\ # ? (table keys cannot).")
        : !id.Contains('|', StringComparison.Ordinal) ? Problems.BadRequest("id", "must be a customer key, {shop}|{customer id}.")
        : null;

    private static IResult NotFound(string id) =>
        Problems.Status(StatusCodes.Status404NotFound, "No such customer.", "No customer has this key (or they were erased).", "id");
}
