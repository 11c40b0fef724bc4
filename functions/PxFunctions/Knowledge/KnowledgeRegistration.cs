using Microsoft.Extensions.AI;
using PxFunctions.Configuration;
using PxFunctions.Hosting;
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

/// <summary>The knowledge bases shipped beside the app (<c>Examples/knowledge/*.yaml</c>), published at start-up like the example journeys.</summary>
public sealed class ExampleKnowledgeLoader(KnowledgeCatalog catalog, StorageBootstrap bootstrap, ILogger<ExampleKnowledgeLoader> logger) : ExampleLoader(bootstrap, logger)
{
    protected override string Folder => Path.Combine(AppContext.BaseDirectory, "Examples", "knowledge");

    protected override string What => "knowledge base";

    protected override async Task<ExamplePublished> PublishAsync(string document, CancellationToken cancellationToken)
    {
        var (knowledge, errors) = KnowledgeReader.Read(document);
        if (knowledge is null)
        {
            return new ExamplePublished(null, 0, false, errors[0]);
        }

        if (await catalog.Documents.GetDraftAsync(knowledge.Id, cancellationToken) is null)
        {
            await catalog.Documents.SaveDraftAsync(knowledge.Id, knowledge.Name, document, cancellationToken);
        }

        var (version, created) = await catalog.PublishAsync(knowledge, document, cancellationToken);
        return new ExamplePublished(knowledge.Id, version, created, null);
    }
}
