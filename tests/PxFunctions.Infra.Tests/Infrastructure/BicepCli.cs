using System.Runtime.InteropServices;

namespace PxFunctions.Infra.Tests.Infrastructure;

/// <summary>The Bicep CLI restored from NuGet (Azure.Bicep.CommandLine.linux-x64). It needs no network for local files.</summary>
public static class BicepCli
{
    public static Task<ProcessResult> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync(Executable(), arguments, RepoPaths.Infra, TimeSpan.FromMinutes(3), cancellationToken: cancellationToken);

    private static string Executable()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException("The Bicep CLI package these tests restore is the linux-x64 build.");
        }

        var path = RepoPaths.BicepExecutable;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The Bicep CLI is not at {path}; run `dotnet restore` on this test project.", path);
        }

        // NuGet does not promise to keep the execute bit of files it extracts.
        var mode = File.GetUnixFileMode(path);
        if (!mode.HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    }
}
