using PxFunctions.Storage;

[assembly: AssemblyFixture(typeof(PxFunctions.Tests.Infrastructure.StorageFixture))]

namespace PxFunctions.Tests.Infrastructure;

/// <summary>
/// One storage account for the whole test run: an in-memory Azurite started here on free loopback ports,
/// or a real account when <c>PX_TEST_STORAGE</c> holds its connection string. Tests keep apart by prefix.
/// </summary>
public sealed class StorageFixture : IAsyncLifetime
{
    public const string RealAccountVariable = "PX_TEST_STORAGE";

    private EmbeddedAzurite? _azurite;

    public string ConnectionString { get; private set; } = "";

    public EmbeddedAzurite? Azurite => _azurite;

    /// <summary>A fresh storage prefix, so each test has its own queues and tables.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("n")[..10];

    public async ValueTask InitializeAsync()
    {
        var real = Environment.GetEnvironmentVariable(RealAccountVariable);
        if (!string.IsNullOrWhiteSpace(real))
        {
            ConnectionString = real;
            return;
        }

        _azurite = await EmbeddedAzurite.StartAsync(dataPath: null, log: _ => { }, TestContext.Current.CancellationToken);
        ConnectionString = _azurite.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}
