namespace PxFunctions.Storage;

/// <summary>A table or queue (logical name) some part of the app needs; <see cref="StorageBootstrap"/> creates them all.</summary>
public sealed record StorageResource(StorageService Service, string LogicalName)
{
    public static StorageResource Table(string logicalName) => new(StorageService.Table, logicalName);

    public static StorageResource Queue(string logicalName) => new(StorageService.Queue, logicalName);

    public static StorageResource Container(string logicalName) => new(StorageService.Blob, logicalName);
}

/// <summary>Declares storage a component needs.</summary>
public static class StorageResourceRegistration
{
    public static IServiceCollection AddStorageResource(this IServiceCollection services, StorageResource resource) =>
        services.AddSingleton(resource);
}
