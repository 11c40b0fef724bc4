namespace PxFunctions.Configuration;

/// <summary>How the app reaches its storage account: a connection string, or service URIs and an Entra ID identity.</summary>
public sealed record StorageSettings
{
    /// <summary>A storage connection string (Azurite's included); null when identity-based.</summary>
    public string? ConnectionString { get; init; }

    public Uri? BlobServiceUri { get; init; }
    public Uri? QueueServiceUri { get; init; }
    public Uri? TableServiceUri { get; init; }

    /// <summary><c>managedidentity</c> to use only the managed identity; otherwise <c>DefaultAzureCredential</c>.</summary>
    public string? Credential { get; init; }

    /// <summary>Client id of a user-assigned managed identity.</summary>
    public string? ClientId { get; init; }

    /// <summary>True when this app started its own Azurite because no storage was configured.</summary>
    public bool IsEmbedded { get; init; }

    public bool IsIdentityBased => ConnectionString is null;
}
