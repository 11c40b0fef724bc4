using System.ClientModel;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using PxFunctions.Harness.Understanding;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Understanding;
using PxFunctions.Knowledge;

namespace PxFunctions.Tests.Understanding;

/// <summary>
/// The optional reply model through the real OpenAI client against a loopback double of Azure OpenAI's v1 chat
/// completions contract (bearer token, JSON body, 200 with choices; 500 when told to fail): it is asked only where
/// the ranking is unsure, sees no answers, and can only choose among the ranked entries.
/// </summary>
public sealed class ReplyModelTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private Uri _endpoint = null!;
    private readonly ConcurrentQueue<JsonObject> _requests = new();
    private string _reply = """{"entry": null}""";
    private int _status = 200;

    public async ValueTask InitializeAsync()
    {
        var (app, address) = await Harness.Loopback.StartAsync(a => a.MapPost("/openai/v1/chat/completions", (Delegate)CompletionsAsync));
        _app = app;
        _endpoint = new Uri(address + "/openai/v1/");
    }

    /// <summary>Chat completions as Azure OpenAI's v1 API answers them: 401 without a bearer token, the error shape on failure.</summary>
    private async Task<IResult> CompletionsAsync(HttpContext context)
    {
        if (context.Request.Headers.Authorization.FirstOrDefault()?.StartsWith("Bearer ", StringComparison.Ordinal) != true)
        {
            return Results.Json(new { error = new { code = "401", message = "Access denied due to missing token." } }, statusCode: 401);
        }

        _requests.Enqueue(JsonNode.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync())!.AsObject());
        if (_status != 200)
        {
            return Results.Json(new { error = new { code = "server_error", message = "The server had an error." } }, statusCode: _status);
        }

        return Results.Json(new
        {
            id = "chatcmpl-1",
            @object = "chat.completion",
            created = 1_764_000_000,
            model = "gpt-test",
            choices = new[] { new { index = 0, message = new { role = "assistant", content = _reply }, finish_reason = "stop" } },
            usage = new { prompt_tokens = 50, completion_tokens = 5, total_tokens = 55 },
        });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private ChatReplyModel Model()
    {
        var options = new OpenAI.OpenAIClientOptions { Endpoint = _endpoint, NetworkTimeout = TimeSpan.FromSeconds(5), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) };
        var chat = new OpenAI.Chat.ChatClient("px-replies", new ApiKeyCredential("token-for-tests"), options).AsIChatClient();
        return new ChatReplyModel(chat, NullLogger<ChatReplyModel>.Instance);
    }

    private static (PxFunctions.Journeys.Interpreter.ReplyReading Reading, KnowledgeIndex Index) Unsure(string text)
    {
        var (journeys, knowledge) = ReplyCorpus.Shipped();
        var index = new KnowledgeIndex(knowledge.Where(k => k.Base.Serves("coffee-machine")));
        return (ReadJourneyReplyActivity.Read(journeys["coffee-machine"], null, false, text, "en", index), index);
    }

    private const string Unclear = "best way to keep the milk stick clean after a flat white?";

    [Fact]
    public async Task AnUnsureQuestion_IsAnsweredWithTheEntryTheModelPicks_AndTheModelSeesNoAnswers()
    {
        var (reading, index) = Unsure(Unclear);
        Assert.Equal(ReplyDecisions.Handoff, reading.Decision);
        var candidates = index.Rank(TextTerms.Fold(Unclear), ReadJourneyReplyActivity.ModelCandidates).Select(m => m.EntryId).ToList();
        Assert.Contains("steam-wand-cleaning", candidates);
        _reply = "```json\n{\"entry\": \"steam-wand-cleaning\"}\n```";

        var consulted = await ReadJourneyReplyActivity.ConsultAsync(Model(), reading, Unclear, "en", index, CancellationToken.None);

        Assert.Equal(ReplyDecisions.Knowledge, consulted.Decision);
        Assert.Equal("kb:coffee-machine@1/steam-wand-cleaning", consulted.Knowledge);
        var request = Assert.Single(_requests);
        Assert.Equal("px-replies", (string?)request["model"]);
        var prompt = request["messages"]!.AsArray().Select(m => (string?)m!["content"] ?? m!["content"]!.ToJsonString()).ToList();
        Assert.Contains(prompt, p => p.Contains("milk stick", StringComparison.Ordinal) && p.Contains("steam-wand-cleaning", StringComparison.Ordinal));
        var answer = index.Bases.SelectMany(b => b.Base.Entries).Single(e => e.Id == "steam-wand-cleaning").Answer["en"];
        Assert.DoesNotContain(prompt, p => p.Contains(answer[..30], StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"entry": "free-espresso-machine"}""")]
    [InlineData("Sure! You should descale it.")]
    [InlineData("""{"entry": null}""")]
    public async Task AnythingButACandidatesId_ChangesNothing(string reply)
    {
        var (reading, index) = Unsure(Unclear);
        _reply = reply;
        var consulted = await ReadJourneyReplyActivity.ConsultAsync(Model(), reading, Unclear, "en", index, CancellationToken.None);
        Assert.Equal(reading, consulted);
        Assert.Single(_requests);
    }

    [Fact]
    public async Task AFailingModel_LeavesTheHandoff()
    {
        var (reading, index) = Unsure(Unclear);
        _status = 500;
        var consulted = await ReadJourneyReplyActivity.ConsultAsync(Model(), reading, Unclear, "en", index, CancellationToken.None);
        Assert.Equal(ReplyDecisions.Handoff, consulted.Decision);
        Assert.Null(consulted.Knowledge);
        Assert.EndsWith("the model failed", consulted.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("This is ridiculous, the worst machine ever, I want my money back")]
    [InlineData("can I speak to a real person")]
    [InlineData("how do I descale it?")]
    public async Task ComplaintsPeopleAndSureAnswers_AreNeverPutToTheModel(string text)
    {
        var (reading, index) = Unsure(text);
        _reply = """{"entry": "descale"}""";
        var consulted = await ReadJourneyReplyActivity.ConsultAsync(Model(), reading, text, "en", index, CancellationToken.None);
        Assert.Equal(reading, consulted);
        Assert.Empty(_requests);
    }
}
