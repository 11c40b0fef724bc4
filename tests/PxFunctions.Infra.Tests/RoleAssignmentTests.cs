using System.Text.RegularExpressions;
using PxFunctions.Infra.Tests.Infrastructure;

namespace PxFunctions.Infra.Tests;

/// <summary>The app identity's access: named with guid(), looped over role ids, each on one resource, never broad roles.</summary>
public sealed partial class RoleAssignmentTests(CompiledTemplate template)
{
    private const string RoleAssignmentType = "Microsoft.Authorization/roleAssignments";

    // Roles that would give far more than the app needs (or the right to grant itself more).
    private static readonly string[] BroadRoles =
    [
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
        "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", // User Access Administrator
    ];

    private static readonly string[] ContainerScopes = ["Microsoft.Resources/resourceGroups", "Microsoft.Resources/subscriptions"];

    private static readonly Dictionary<string, string> ExpectedRoles = new(StringComparer.Ordinal)
    {
        ["storageBlobDataOwner"] = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
        ["storageQueueDataContributor"] = "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
        ["storageTableDataContributor"] = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
        ["keyVaultSecretsUser"] = "4633458b-17de-408a-b874-0445c86b69e6",
        ["monitoringMetricsPublisher"] = "3913510d-42f4-4e42-8a64-420c390055eb",
        ["communicationAndEmailServiceOwner"] = "09976791-48a7-449e-bb21-39d1a415f350",
    };

    private IReadOnlyList<System.Text.Json.Nodes.JsonObject> Assignments => template.Resources(RoleAssignmentType).ToList();

    [Fact]
    public void RoleAssignments_EachIsScopedToOneResource()
    {
        Assert.NotEmpty(Assignments);
        Assert.All(Assignments, assignment =>
        {
            // No scope would mean the whole resource group; a resourceId(...) of one resource type is a single resource.
            var scope = (string?)assignment["scope"];
            Assert.NotNull(scope);
            var match = SingleResourceScope().Match(scope);
            Assert.True(match.Success, $"Role assignment scope '{scope}' is not one resource.");
            Assert.DoesNotContain(match.Groups["type"].Value, ContainerScopes);
        });
    }

    [Fact]
    public void RoleAssignments_NameAServicePrincipalExplicitly_AndUseGuidNames()
    {
        Assert.All(Assignments, assignment =>
        {
            Assert.Equal("ServicePrincipal", (string?)assignment["properties"]?["principalType"]);
            Assert.StartsWith("[guid(", (string?)assignment["name"], StringComparison.Ordinal);
            Assert.StartsWith("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions'", (string?)assignment["properties"]?["roleDefinitionId"], StringComparison.Ordinal);
            Assert.Contains("Microsoft.ManagedIdentity/userAssignedIdentities", (string?)assignment["properties"]?["principalId"], StringComparison.Ordinal);
            Assert.NotNull(assignment["copy"]);
        });
    }

    [Fact]
    public void RoleAssignments_GrantExactlyTheLeastPrivilegeRoles()
    {
        var roles = template.Module("access")["variables"]?["roles"]?.AsObject();
        Assert.NotNull(roles);
        Assert.Equal(ExpectedRoles.OrderBy(r => r.Key), roles.Select(r => KeyValuePair.Create(r.Key, (string)r.Value!)).OrderBy(r => r.Key));
    }

    [Fact]
    public void Template_GrantsNoBroadRole()
    {
        var json = template.Template.ToJsonString();
        Assert.All(BroadRoles, role => Assert.DoesNotContain(role, json, StringComparison.OrdinalIgnoreCase));
    }

    [GeneratedRegex(@"^\[resourceId\('(?<type>Microsoft\.[A-Za-z]+(/[A-Za-z]+)+)', parameters\('[A-Za-z]+'\)\)\]$")]
    private static partial Regex SingleResourceScope();
}
