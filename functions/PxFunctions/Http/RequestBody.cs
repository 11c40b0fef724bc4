namespace PxFunctions.Http;

/// <summary>Reads request bodies with a size limit: a larger body is a 413 problem, read no further than the limit.</summary>
public static class RequestBody
{
    /// <summary>The limit of every body the app reads (journey documents, webhooks, Event Grid batches).</summary>
    public const int MaxBytes = 1_048_576;

    public static async Task<(byte[] Body, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken, int maxBytes = MaxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            return ([], TooLarge(maxBytes));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16_384];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                return ([], TooLarge(maxBytes));
            }
        }

        return (buffer.ToArray(), null);
    }

    private static IResult TooLarge(int maxBytes) =>
        Problems.Status(StatusCodes.Status413PayloadTooLarge, "The body is too large.", $"At most {maxBytes} bytes.", "body");
}
