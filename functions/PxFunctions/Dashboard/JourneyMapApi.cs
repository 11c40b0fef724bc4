using System.Globalization;
using System.Xml;
using PxFunctions.Http;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;

namespace PxFunctions.Dashboard;

/// <summary>
/// <c>GET /api/admin/journeys/{id}/versions/{version}/map</c>: a published version as a graph the dashboard draws
/// (the document is YAML; the browser gets the reader's meaning, not a second parser): each step with its stage, what
/// it waits for, and every way out with a label.
/// </summary>
public static class JourneyMapApi
{
    public sealed record Edge(string To, string Label);

    public sealed record Node(string Id, string Type, string? Stage, string? Wait, IReadOnlyList<Edge> Edges);

    public sealed record JourneyMap(string Id, string Name, int Version, IReadOnlyList<string> Stages, IReadOnlyList<Node> Steps, IReadOnlyList<Edge> Exits);

    public static IEndpointRouteBuilder MapJourneyMapApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/admin/journeys/{id}/versions/{version}/map", GetAsync).WithName("GetJourneyMap").RequireFunctionKey();
        return endpoints;
    }

    private static async Task<IResult> GetAsync(string id, string version, JourneyCatalog catalog, CancellationToken ct)
    {
        if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            return Problems.BadRequest("version", $"'{version}' is not a version number (1, 2, ...).");
        }

        if (await catalog.GetVersionAsync(id, number, ct) is not { } stored)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "No such version.", $"Journey '{id}' has no published version {number}.", "version");
        }

        var (definition, errors) = JourneyValidator.Validate(stored.Document);
        return definition is null
            ? JourneysApi.Invalid("The stored version is not valid.", errors)
            : Results.Ok(Of(definition, number));
    }

    public static JourneyMap Of(JourneyDefinition definition, int version)
    {
        var nodes = new List<Node>();
        string? stage = null;
        for (var i = 0; i < definition.Steps.Count; i++)
        {
            var step = definition.Steps[i];
            stage = step.Stage ?? stage;
            var following = step.Next ?? (i + 1 < definition.Steps.Count ? definition.Steps[i + 1].Id : null);
            nodes.Add(new Node(step.Id, step.Type, stage, WaitOf(step), EdgesOf(step, following)));
        }

        var exits = definition.Exits.Where(e => e.Goto is not null).Select(e => new Edge(e.Goto!, "on " + e.On)).ToList();
        return new JourneyMap(definition.Id, definition.Name, version, definition.Stages, nodes, exits);
    }

    private static string? WaitOf(JourneyStep step) => step switch
    {
        WaitStep { Duration: { } d } w => "wait " + Span(d) + (w.Window is { } win ? $" then {win.From:HH\\:mm}-{win.To:HH\\:mm}" : ""),
        WaitStep { Until: { } u } => $"until {u.DateField}" + (u.AddDays is { } days ? $" + {days.ToString(CultureInfo.InvariantCulture)}d" : u.AddDaysField is { } f ? $" + {f}" : "") + (u.Offset != TimeSpan.Zero ? " " + (u.Offset < TimeSpan.Zero ? "-" : "+") + Span(u.Offset.Duration()) : ""),
        WaitStep { Window: { } win } => $"until {win.From:HH\\:mm}-{win.To:HH\\:mm}",
        AskStep a => "reply within " + Span(a.Timeout),
        GoalStep g => $"{g.Event} within " + Span(g.Within),
        HandoffStep h => "agent, resumes after " + Span(h.ResumeAfter),
        _ => null,
    };

    private static List<Edge> EdgesOf(JourneyStep step, string? following)
    {
        var edges = new List<Edge>();
        switch (step)
        {
            case AskStep ask:
                edges.AddRange(ask.Options.Where(o => o.Goto is not null).Select(o => new Edge(o.Goto!, o.Label ?? o.Value)));
                edges.AddRange(ask.On.Select(b => new Edge(b.Goto, b.Key)));
                if (ask.Unrecognised is { } unrecognised)
                {
                    edges.Add(new Edge(unrecognised, "other reply"));
                }

                if (ask.NoReply is { } noReply)
                {
                    edges.Add(new Edge(noReply, "no reply"));
                }

                break;
            case BranchStep branch:
                edges.AddRange(branch.When.Select(w => new Edge(w.Goto, "when " + w.If)));
                if (branch.Else is { } otherwise)
                {
                    edges.Add(new Edge(otherwise, "else"));
                }

                break;
            case GoalStep goal:
                if (goal.Reached is { } reached)
                {
                    edges.Add(new Edge(reached, "reached"));
                }

                if (goal.Missed is { } missed)
                {
                    edges.Add(new Edge(missed, "missed"));
                }

                break;
            case EndStep:
                return edges;
        }

        if (following is not null && step is not BranchStep { Else: not null })
        {
            edges.Add(new Edge(following, edges.Count == 0 ? "next" : "otherwise"));
        }

        return edges;
    }

    private static string Span(TimeSpan span) => XmlConvert.ToString(span);
}
