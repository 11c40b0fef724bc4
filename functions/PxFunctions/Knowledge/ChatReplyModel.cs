using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using PxFunctions.Journeys.Understanding;

namespace PxFunctions.Knowledge;

/// <summary>
/// The optional model behind <see cref="IReplyModel"/>: any <see cref="IChatClient"/> (Azure OpenAI when
/// <c>Px__Ai__Endpoint</c> and <c>Px__Ai__Deployment</c> are set). It is shown the customer's message and the
/// candidates' ids, topics and sample questions — never their answers, never anything about the customer — and
/// asked for one id or none, as JSON. Whatever it says that is not a candidate's id counts as none; a slow or failing
/// model counts as none (<see cref="Timeout"/>), so the deterministic reading stands.
/// </summary>
public sealed class ChatReplyModel(IChatClient chat, ILogger<ChatReplyModel> logger) : IReplyModel
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private const string Instructions =
        "You route a customer's message to a brand's knowledge base. You are given the message and candidate entries " +
        "(id, topic, how customers ask it). Reply with JSON only: {\"entry\": \"<id>\"} when exactly one candidate's " +
        "topic fully covers what the customer asks or reports, else {\"entry\": null}. Never answer the customer, never " +
        "name an id that is not in the list; when unsure, choose null.";

    public async Task<string?> PickAsync(string text, string language, IReadOnlyList<ModelCandidate> candidates, CancellationToken cancellationToken)
    {
        var prompt = new StringBuilder();
        prompt.Append("Message (").Append(language).Append("): ").AppendLine(JsonSerializer.Serialize(text));
        prompt.AppendLine("Candidates:");
        foreach (var candidate in candidates)
        {
            prompt.Append("- ").Append(candidate.EntryId).Append(" [").Append(candidate.Topic).Append("]: ")
                .AppendLine(string.Join(" | ", candidate.Questions.Take(4)));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        ChatResponse response;
        try
        {
            response = await chat.GetResponseAsync(
                [new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, prompt.ToString())],
                new ChatOptions { Temperature = 0, MaxOutputTokens = 40, ResponseFormat = ChatResponseFormat.Json },
                timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("The reply model did not answer within {Seconds} s; the ranking's reading stands", Timeout.TotalSeconds);
            return null;
        }

        var picked = Parse(response.Text);
        var known = candidates.Any(c => c.EntryId == picked) ? picked : null;
        logger.LogInformation("The reply model picked {Entry} among {Count} candidates", known ?? "none", candidates.Count);
        return known;
    }

    /// <summary>The <c>entry</c> of the model's JSON (code fences and prose around it tolerated); null when there is none.</summary>
    public static string? Parse(string? reply)
    {
        if (reply is null)
        {
            return null;
        }

        var start = reply.IndexOf('{', StringComparison.Ordinal);
        var end = reply.LastIndexOf('}');
        if (start < 0 || end <= start)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(reply[start..(end + 1)]);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("entry", out var entry) && entry.ValueKind == JsonValueKind.String
                ? entry.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
