namespace PxFunctions.Infra.Tests.Infrastructure;

/// <summary>
/// The deploy package, made once per test class with the documented command
/// (<c>dotnet publish functions/PxFunctions -c Release -o dir</c>, what azd runs) into a temp folder.
/// Build outputs go to a temp artifacts folder too, so the run neither reads nor disturbs the repo's bin/obj.
/// </summary>
public sealed class PublishedPackage : IAsyncLifetime
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("px-publish-");

    public string Folder => Path.Combine(_root.FullName, "package");
    public ProcessResult Publish { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        string[] arguments =
        [
            "publish", RepoPaths.FunctionProject, "-c", "Release", "-o", Folder,
            "--artifacts-path", Path.Combine(_root.FullName, "artifacts"), "-nologo",
        ];

        // A test host started by `dotnet test` inherits MSBuild's variables; the nested build must not.
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("_MSBUILD", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(name => name, string? (_) => null);
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";

        Publish = await ProcessRunner.RunAsync(dotnet, arguments, RepoPaths.Root, TimeSpan.FromMinutes(9), environment);
        if (Publish.ExitCode != 0)
        {
            throw new InvalidOperationException(Publish.Describe("dotnet publish"));
        }
    }

    public ValueTask DisposeAsync()
    {
        _root.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }
}
