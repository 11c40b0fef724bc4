using Microsoft.Extensions.AI;
using PxFunctions.Configuration;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Understanding;
using PxFunctions.Journeys.Knowledge;
using PxFunctions.Storage;

namespace PxFunctions.Knowledge;

/// <summary>Wires knowledge bases into the app: the catalog (the reply activity reads it) and the example loader.</summary>
public static class KnowledgeRegistration
{
    /// <summary>The scope of Azure OpenAI's v1 API for Entra ID tokens.</summary>
    public const string AiScope = "https://ai.azure.com/.default";

    public static IServiceCollection AddPxKnowledge(this IServiceCollection services, PxSettings settings)
    {
        var loadExamples = settings.LoadExampleJourneys;
        services.AddSingleton<KnowledgeCatalog>();
        services.AddSingleton<IKnowledgeBases>(sp => sp.GetRequiredService<KnowledgeCatalog>());
        if (settings is { AiEndpoint: { } endpoint, AiDeployment: { } deployment })
        {
            // Keyless: the app's identity (the storage credential) with a role on the Azure OpenAI resource.
            services.AddSingleton<IChatClient>(sp =>
            {
#pragma warning disable OPENAI001 // Token authentication of the OpenAI client is marked experimental.
                var policy = new System.ClientModel.Primitives.BearerTokenPolicy(sp.GetRequiredService<StorageAccount>().Credential(), AiScope);
                var client = new OpenAI.Chat.ChatClient(deployment, policy, new OpenAI.OpenAIClientOptions { Endpoint = new Uri(endpoint, "openai/v1/") });
#pragma warning restore OPENAI001
                return client.AsIChatClient();
            });
            services.AddSingleton<IReplyModel, ChatReplyModel>();
        }
        else
        {
            services.AddSingleton<IReplyModel, NoReplyModel>();
        }

        services.AddStorageResource(StorageResource.Table(KnowledgeCatalog.TableName));
        if (loadExamples)
        {
            services.AddHostedService<ExampleKnowledgeLoader>();
        }

        return services;
    }
}

/// <summary>
/// Publishes the knowledge bases shipped beside the app (<c>Examples/knowledge/*.yaml</c>) once storage is ready,
/// like the example journeys. An unchanged base is not published again.
/// </summary>
public sealed class ExampleKnowledgeLoader(KnowledgeCatalog catalog, StorageBootstrap bootstrap, ILogger<ExampleKnowledgeLoader> logger) : BackgroundService
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Examples", "knowledge");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await bootstrap.Ready.WaitAsync(stoppingToken);
            var files = Directory.Exists(Folder) ? Directory.GetFiles(Folder, "*.yaml") : [];
            foreach (var file in files.Order(StringComparer.Ordinal))
            {
                var document = await File.ReadAllTextAsync(file, stoppingToken);
                var (knowledge, errors) = KnowledgeReader.Read(document);
                if (knowledge is null)
                {
                    logger.LogError("Example knowledge base {File} is not valid: {Path} {Message}", Path.GetFileName(file), errors[0].Path, errors[0].Message);
                    continue;
                }

                if (await catalog.Documents.GetDraftAsync(knowledge.Id, stoppingToken) is null)
                {
                    await catalog.Documents.SaveDraftAsync(knowledge.Id, knowledge.Name, document, stoppingToken);
                }

                var (version, created) = await catalog.PublishAsync(knowledge, document, stoppingToken);
                logger.LogInformation("Example knowledge base {Id} {Action} as version {Version}", knowledge.Id, created ? "published" : "already published", version);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
