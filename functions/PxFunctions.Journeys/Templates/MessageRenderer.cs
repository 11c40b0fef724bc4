using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Journeys.Templates;

/// <summary>
/// Turns a <see cref="MessageOrder"/> into the message a customer gets: finds its templates in the pinned
/// definition, renders them with the full purchase model (names, links) for each channel of the preference, and
/// names the recipient. It runs in the send activity and the simulator, never in the orchestrator, because its
/// result holds personal data.
/// </summary>
public static class MessageRenderer
{
    /// <param name="knowledge">For a knowledge answer (<see cref="Knowledge.KnowledgePaths"/>): the entry's templates, loaded by the caller.</param>
    public static OutboundMessage Render(JourneyDefinition definition, MessageOrder order, JourneyInput input, string? literalText, MessageTemplates? knowledge = null)
    {
        var templates = order.Template.StartsWith(Knowledge.KnowledgePaths.Prefix, StringComparison.Ordinal)
            ? knowledge ?? throw new InvalidOperationException($"The knowledge answer '{order.Template}' was not loaded.")
            : Templates(definition, order, input, literalText);
        if (!templates.Sms.ContainsKey(order.Locale) && templates.Sms.Keys.FirstOrDefault() is { } fallback && templates.Path.StartsWith(Knowledge.KnowledgePaths.Prefix, StringComparison.Ordinal))
        {
            // A knowledge base in other locales than the order's: its first locale.
            order = order with { Locale = fallback };
        }

        var state = new JourneyState
        {
            JourneyId = order.JourneyId,
            Version = order.Version,
            Stage = order.Stage,
            Step = order.Step,
            Answers = order.Answers,
            DeliveredAt = order.DeliveredAt,
        };
        var model = Model(definition, new JsonObject
        {
            ["customer"] = input.Customer.DeepClone(),
            ["order"] = input.Order.DeepClone(),
            ["product"] = input.Product.DeepClone(),
            ["brand"] = input.Brand.DeepClone(),
            ["links"] = input.Links.DeepClone(),
        }, state);

        SmsContent? sms = null;
        EmailContent? email = null;
        WhatsAppContent? whatsapp = null;
        ChatContent? chat = null;
        foreach (var channel in order.Channels)
        {
            if (channel == MessageChannel.WhatsApp)
            {
                var free = templates.WhatsAppText(order.Locale) is { } w ? LiquidTemplates.Render(Parse(w), model).Trim() : null;
                var approved = templates.WhatsApp.TryGetValue(order.Locale, out var wa) && wa.Template is { } t
                    ? new WhatsAppTemplateContent(t.Name, t.Language, t.Parameters.Select(p => LiquidTemplates.Render(Parse(p), model).Trim()).ToList())
                    : null;
                whatsapp = free is null && approved is null ? null : new WhatsAppContent(free, approved);
                continue;
            }

            if (channel == MessageChannel.WebChat)
            {
                chat = templates.WebChatText(order.Locale) is { } c ? new ChatContent(LiquidTemplates.Render(Parse(c), model).Trim()) : null;
                continue;
            }

            if (channel == MessageChannel.Sms && templates.Sms.TryGetValue(order.Locale, out var text))
            {
                var rendered = LiquidTemplates.Render(Parse(text), model).Trim();
                var length = SmsSegments.Measure(rendered);
                sms = new SmsContent(rendered, length.Segments, length.Encoding);
            }
            else if (channel == MessageChannel.Email && templates.Email.TryGetValue(order.Locale, out var e))
            {
                var html = e.Html.Length > 0 ? LiquidTemplates.Render(Parse(e.Html), model, LiquidTemplates.Html) : "";
                var plain = e.Text is { } t ? LiquidTemplates.Render(Parse(t), model).Trim() : JourneyInterpreter.PlainText(html);
                email = new EmailContent(LiquidTemplates.Render(Parse(e.Subject), model).Trim(), html, plain);
            }
        }

        return new OutboundMessage
        {
            Kind = order.Kind,
            Class = order.Class == MessageClass.Marketing ? "marketing" : "service",
            JourneyId = order.JourneyId,
            Version = order.Version,
            Step = order.Step,
            Stage = order.Stage,
            Customer = Contact(definition, input),
            Channels = order.Channels.Select(ChannelNames.Of).ToList(),
            Locale = order.Locale,
            Sms = sms,
            Email = email,
            WhatsApp = whatsapp,
            WebChat = chat,
            Ask = order.Ask,
            Sequence = order.Number,
            Source = order.Template.StartsWith(Knowledge.KnowledgePaths.Prefix, StringComparison.Ordinal) ? order.Template : null,
        };
    }

    /// <summary>The customer's locale if the journey has it (exactly, or its language), else the journey's first.</summary>
    public static string LocaleOf(JourneyDefinition definition, string? wanted)
    {
        wanted ??= "";
        var language = wanted.Split('-', '_')[0].ToLowerInvariant();
        return definition.Locales.FirstOrDefault(l => string.Equals(l, wanted.Replace('_', '-'), StringComparison.OrdinalIgnoreCase))
            ?? definition.Locales.FirstOrDefault(l => l.Split('-')[0] == language)
            ?? definition.Locales[0];
    }

    /// <summary>The template model: the purchase, plus the journey's place, its answers and its constants.</summary>
    public static JsonObject Model(JourneyDefinition definition, JsonObject purchase, JourneyState state)
    {
        var order = purchase["order"] is JsonObject o ? (JsonObject)o.DeepClone() : [];
        if (state.DeliveredAt is { } delivered && order["delivered_at"] is null)
        {
            order["delivered_at"] = delivered.ToString("O", CultureInfo.InvariantCulture);
        }

        return new JsonObject
        {
            ["customer"] = purchase["customer"]?.DeepClone() ?? new JsonObject(),
            ["order"] = order,
            ["product"] = purchase["product"]?.DeepClone() ?? new JsonObject(),
            ["brand"] = purchase["brand"]?.DeepClone() ?? new JsonObject(),
            ["links"] = purchase["links"]?.DeepClone() ?? new JsonObject(),
            ["journey"] = new JsonObject { ["id"] = definition.Id, ["name"] = definition.Name, ["version"] = state.Version, ["stage"] = state.Stage, ["step"] = state.Step },
            ["answers"] = state.Answers.DeepClone(),
            ["vars"] = definition.Vars.DeepClone(),
        };
    }

    /// <summary>The templates at <paramref name="path"/> in the definition (a step's message, an FAQ reply, the handoff confirmation).</summary>
    public static MessageTemplates? Find(JourneyDefinition definition, string path) =>
        definition.Steps
            .Select(s => s switch { SendStep send => send.Message, AskStep ask => ask.Message, HandoffStep handoff => handoff.Message, _ => null })
            .Concat(definition.Replies.Faq.Select(f => f.Reply))
            .Append(definition.Replies.HandoffConfirm)
            .FirstOrDefault(t => t?.Path == path);

    /// <summary>The recipient: addresses, locale, time zone and the region whose texting rules apply.</summary>
    public static CustomerContact Contact(JourneyDefinition definition, JourneyInput input)
    {
        var customer = input.Customer;
        var address = input.Order["shipping_address"] as JsonObject;
        var country = (string?)customer["country_code"] ?? (string?)address?["country_code"];
        var province = (string?)customer["province_code"] ?? (string?)address?["province_code"];
        var zone = (string?)customer["time_zone"] is { } id && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var z) ? z.Id : definition.TimeZone;
        return new(
            (string?)customer["id"] ?? customer["id"]?.ToJsonString(),
            (string?)customer["phone"],
            (string?)customer["email"],
            (string?)customer["locale"],
            zone,
            country,
            country is not null && province is not null ? $"{country}-{province}".ToUpperInvariant() : null);
    }

    private static MessageTemplates Templates(JourneyDefinition definition, MessageOrder order, JourneyInput input, string? literalText)
    {
        if (order.Template == BuiltInTemplates.Agent)
        {
            var text = literalText ?? "";
            var brand = (string?)input.Brand["name"] ?? definition.Name;
            return new MessageTemplates
            {
                Path = BuiltInTemplates.Agent,
                Sms = new Dictionary<string, string> { [order.Locale] = Literal(text) },
                Email = new Dictionary<string, EmailTemplate> { [order.Locale] = new(Literal("A reply from " + brand), Literal($"<p>{WebUtility.HtmlEncode(text)}</p>"), Literal(text)) },
            };
        }

        if (order.Template == BuiltInTemplates.HandoffAcknowledge)
        {
            var text = order.Locale.Split('-')[0] switch
            {
                "es" => "Gracias por contárnoslo. Una persona de {{ brand.name | default: 'nuestro equipo' }} le responderá aquí en breve.",
                "fr" => "Merci de nous l'avoir dit. Une personne de {{ brand.name | default: 'notre équipe' }} vous répondra ici très vite.",
                _ => "Thanks for telling us. A person from {{ brand.name | default: 'our team' }} will reply here shortly.",
            };
            return new MessageTemplates
            {
                Path = BuiltInTemplates.HandoffAcknowledge,
                Sms = new Dictionary<string, string> { [order.Locale] = text },
                Email = new Dictionary<string, EmailTemplate> { [order.Locale] = new("{{ brand.name | default: 'We' }} will get back to you", "<p>" + text + "</p>", text) },
            };
        }

        if (order.Template == BuiltInTemplates.HandoffConfirm)
        {
            const string text = "Would you like a person from {{ brand.name | default: 'our team' }} to get back to you? Reply YES or NO.";
            return new MessageTemplates
            {
                Path = BuiltInTemplates.HandoffConfirm,
                Sms = new Dictionary<string, string> { [order.Locale] = text },
                Email = new Dictionary<string, EmailTemplate> { [order.Locale] = new("Shall we put you in touch with a person?", "<p>" + text + "</p>", text) },
            };
        }

        return Find(definition, order.Template)
            ?? throw new InvalidOperationException($"Journey '{definition.Id}' version {order.Version} has no message at '{order.Template}'.");
    }

    /// <summary>Text that must come out exactly as written (an agent's words are not a template).</summary>
    private static string Literal(string text) => "{% raw %}" + text.Replace("{% endraw %}", "{ % endraw % }", StringComparison.Ordinal) + "{% endraw %}";

    private static Fluid.IFluidTemplate Parse(string source) =>
        LiquidTemplates.TryParse(source, out var template, out var error)
            ? template
            : throw new InvalidOperationException($"A template of a published journey does not parse: {error}");
}
