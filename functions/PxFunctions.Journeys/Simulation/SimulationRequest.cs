using System.Text.Json.Nodes;
using PxFunctions.Journeys.Definitions;

namespace PxFunctions.Journeys.Simulation;

/// <summary>
/// A simulation request: a journey (a <c>definition</c> inline, JSON or YAML text, or a published
/// <c>journeyId</c> + <c>version</c>), a <c>sample</c> order (<c>customer</c>, <c>order</c>, optionally
/// <c>product</c>, <c>brand</c>, <c>links</c>, the <c>shop</c> and <c>source</c> it came from, and the customer's
/// <c>consent</c>), scripted <c>replies</c> and <c>events</c>, a <c>start</c> time and a <c>horizon</c>. Every
/// problem is reported with its path.
/// </summary>
public sealed record SimulationRequest
{
    public JourneyDefinition? Definition { get; init; }
    public string? JourneyId { get; init; }
    public int? Version { get; init; }
    public JsonObject Sample { get; init; } = [];
    public IReadOnlyList<ScriptedReply> Replies { get; init; } = [];
    public IReadOnlyList<ScriptedEvent> Events { get; init; } = [];
    public DateTimeOffset Start { get; init; }
    public TimeSpan Horizon { get; init; } = TimeSpan.FromDays(730);
    public IReadOnlyList<JourneyError> Errors { get; init; } = [];

    /// <summary>The sample's <c>consent</c> (<c>{sms: {service, marketing, optedOut}, email: {...}}</c>), unset fields as <see cref="SimulatedConsent.Default"/>.</summary>
    public SimulatedConsent Consent { get; init; } = SimulatedConsent.Default;

    private static readonly string[] Fields = ["definition", "journeyId", "version", "sample", "replies", "events", "start", "horizon"];
    private static readonly string[] SampleFields = ["customer", "order", "product", "brand", "links", "shop", "source", "consent"];
    private static readonly string[] ConsentChannels = ["sms", "email", "whatsapp", "webchat"];
    private static readonly string[] ConsentFields = ["service", "marketing", "optedOut"];
    private static readonly string[] RequiredSampleFields = ["customer", "order"];

    public static SimulationRequest Read(JsonObject body, DateTimeOffset now)
    {
        var r = new DocumentReader();
        r.Object(body, "$", Fields);
        JourneyDefinition? definition = null;
        if (body["definition"] is { } node)
        {
            var (d, errors) = node is JsonValue v && v.TryGetValue<string>(out var text) ? JourneyValidator.Validate(text) : JourneyValidator.Validate(node.DeepClone());
            definition = d;
            r.Errors.AddRange(errors.Select(e => e with { Path = "$.definition" + e.Path[1..] }));
        }

        var journeyId = r.String(body, "journeyId", "$");
        var version = r.Int(body, "version", "$", 1, 1_000_000);
        if (definition is null && !body.ContainsKey("definition") && (journeyId is null || version is null))
        {
            r.Error("$", "needs a 'definition', or a published 'journeyId' and 'version'.");
        }

        var sample = body["sample"] as JsonObject;
        if (sample is null)
        {
            r.Error("$.sample", "is required: the order to simulate ({customer, order, product?, brand?, links?}).");
        }
        else
        {
            r.Object(sample, "$.sample", SampleFields);
            foreach (var part in RequiredSampleFields.Where(p => sample[p] is not JsonObject))
            {
                r.Error("$.sample." + part, "is required (an object).");
            }

            r.String(sample, "shop", "$.sample");
            r.String(sample, "source", "$.sample");
        }

        var consent = ReadConsent(r, sample?["consent"]);

        var replies = new List<ScriptedReply>();
        var replyArray = r.Array(body, "replies", "$", required: false);
        for (var i = 0; i < (replyArray?.Count ?? 0); i++)
        {
            var at = $"$.replies[{i}]";
            if (r.Object(replyArray![i], at, ["text", "step", "after", "at", "channel"]) is not { } reply)
            {
                continue;
            }

            var text = r.String(reply, "text", at, required: true);
            var step = r.String(reply, "step", at);
            var when = r.Duration(reply, "at", at);
            if ((step is null) == (when is null))
            {
                r.Error(at, "needs either 'step' (reply to that question, 'after' it was asked) or 'at' (a time from the start).");
            }

            if (step is not null && definition is not null && definition.Step(step) is not AskStep)
            {
                r.Error(at + ".step", $"'{step}' is not an ask step of the journey.");
            }

            if (text is not null)
            {
                replies.Add(new ScriptedReply(text, step, r.Duration(reply, "after", at) ?? TimeSpan.FromMinutes(30), when, r.String(reply, "channel", at) ?? "sms"));
            }
        }

        var events = new List<ScriptedEvent>();
        var eventArray = r.Array(body, "events", "$", required: false);
        for (var i = 0; i < (eventArray?.Count ?? 0); i++)
        {
            var at = $"$.events[{i}]";
            if (r.Object(eventArray![i], at, ["name", "at", "data"]) is not { } e)
            {
                continue;
            }

            var name = r.String(e, "name", at, required: true);
            var when = r.Duration(e, "at", at);
            if (when is null && !r.Errors.Any(x => x.Path.StartsWith(at, StringComparison.Ordinal)))
            {
                r.Error(at + ".at", "is required (a time from the start, such as P20D).");
            }

            if (name is not null && when is not null)
            {
                events.Add(new ScriptedEvent(name, when.Value, e["data"] as JsonObject));
            }
        }

        var start = now;
        if (r.String(body, "start", "$") is { } startText)
        {
            if (!DateTimeOffset.TryParse(startText, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out start))
            {
                r.Error("$.start", $"'{startText}' is not a date and time (ISO 8601).");
            }
        }

        return new SimulationRequest
        {
            Definition = definition,
            JourneyId = journeyId,
            Version = version,
            Sample = sample is null ? [] : (JsonObject)sample.DeepClone(),
            Replies = replies,
            Events = events,
            Start = start,
            Horizon = r.Duration(body, "horizon", "$", max: TimeSpan.FromDays(1100)) ?? TimeSpan.FromDays(730),
            Consent = consent,
            Errors = r.Errors,
        };
    }

    /// <summary>The sample's consent, each field given or else its default (the number given for the order = service consent).</summary>
    private static SimulatedConsent ReadConsent(DocumentReader r, JsonNode? node)
    {
        if (node is null || r.Object(node, "$.sample.consent", ConsentChannels) is not { } consent)
        {
            return SimulatedConsent.Default;
        }

        ChannelConsent Channel(string name, ChannelConsent fallback)
        {
            var path = "$.sample.consent." + name;
            if (consent[name] is not { } channel || r.Object(channel, path, ConsentFields) is not { } fields)
            {
                return fallback;
            }

            return new ChannelConsent(
                r.Bool(fields, "service", path) ?? fallback.Service,
                r.Bool(fields, "marketing", path) ?? fallback.Marketing,
                r.Bool(fields, "optedOut", path) ?? fallback.OptedOut);
        }

        return new SimulatedConsent(Channel("sms", SimulatedConsent.DefaultSms), Channel("email", SimulatedConsent.DefaultEmail))
        {
            WhatsApp = Channel("whatsapp", SimulatedConsent.DefaultWhatsApp),
            WebChat = Channel("webchat", SimulatedConsent.DefaultWebChat),
        };
    }

    /// <summary>
    /// The sample with a <c>product</c>: the one given, or else the first order line that the journey's trigger matches
    /// (the line a real journey would be started for).
    /// </summary>
    public static JsonObject WithProduct(JsonObject sample, JourneyDefinition definition)
    {
        var copy = (JsonObject)sample.DeepClone();
        if (copy["product"] is JsonObject)
        {
            return copy;
        }

        var lines = (copy["order"] as JsonObject)?["line_items"] as JsonArray ?? [];
        var line = lines.OfType<JsonObject>().FirstOrDefault(l => definition.Trigger.Matches(
            (string?)l["sku"],
            l["product_id"]?.ToString(),
            (string?)l["product_type"],
            (l["tags"] as JsonArray)?.Select(t => (string?)t ?? "") ?? [],
            (string?)l["vendor"])) ?? lines.OfType<JsonObject>().FirstOrDefault();
        if (line is not null)
        {
            var product = (JsonObject)line.DeepClone();
            product.Remove("id");
            product["id"] = line["product_id"]?.DeepClone();
            copy["product"] = product;
        }

        return copy;
    }
}
