using System.Text.Json.Nodes;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Journeys.Templates;

namespace PxFunctions.Tests.Channels;

/// <summary>
/// Journeys that prefer WhatsApp and the web chat: how they are written and checked, what they render to, and the one
/// send decision over them (consent per channel, WhatsApp's 24-hour window, the fall to the next channel).
/// </summary>
public sealed class ChannelPreferenceTests
{
    private const string Journey = """
        id: care-tips
        name: Care tips
        trigger: { event: paid, skus: [SKU-1] }
        locales: [en, es]
        channels: [whatsapp, sms, email, webchat]
        steps:
          - id: tip
            type: send
            class: service
            message:
              sms: { en: "Hi {{ customer.first_name }}, descale monthly.", es: "Hola {{ customer.first_name }}, descalcifique cada mes." }
              email: { en: { subject: "Care", text: "Descale monthly." }, es: { subject: "Cuidado", text: "Descalcifique cada mes." } }
              whatsapp:
                en: { text: "Hi {{ customer.first_name }} 👋 descale monthly.", template: { name: care_tip, language: en_US, parameters: ["{{ customer.first_name }}", "{{ product.title }}"] } }
                es: { template: { name: care_tip, language: es, parameters: ["{{ customer.first_name }}", "{{ product.title }}"] } }
              webchat: { en: "Chat: descale monthly, {{ customer.first_name }}." }
        """;

    private static readonly DateTimeOffset Now = new(2026, 6, 10, 15, 0, 0, TimeSpan.Zero);

    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public void Reader_TakesEveryChannel_AndWhatsAppTemplates()
    {
        var (definition, errors) = JourneyValidator.Validate(Journey);
        Assert.Empty(errors);
        Assert.Equal([MessageChannel.WhatsApp, MessageChannel.Sms, MessageChannel.Email, MessageChannel.WebChat], definition!.Channels);
        var message = ((SendStep)definition.Steps[0]).Message;
        Assert.Equal(("care_tip", "en_US"), (message.WhatsApp["en"].Template!.Name, message.WhatsApp["en"].Template!.Language));
        Assert.Equal(["{{ customer.first_name }}", "{{ product.title }}"], message.WhatsApp["en"].Template!.Parameters);
        Assert.Null(message.WhatsApp["es"].Text);

        // Spanish has no WhatsApp text of its own: inside the window it writes the SMS text; the chat falls back the same way.
        Assert.Equal("Hola {{ customer.first_name }}, descalcifique cada mes.", message.WhatsAppText("es"));
        Assert.Equal("Hola {{ customer.first_name }}, descalcifique cada mes.", message.WebChatText("es"));
    }

    [Theory]
    [InlineData("channels: [whatsapp, sms, email, webchat]", "channels: [sms, telegram]", "$.channels[1]", "'telegram' is not a channel (sms, whatsapp, email, webchat).")]
    [InlineData("name: care_tip, language: en_US", "name: Care-Tip, language: en_US", "$.steps[0].message.whatsapp.en.template.name", "not a WhatsApp template name")]
    [InlineData("name: care_tip, language: es,", "name: care_tip, language: spanish,", "$.steps[0].message.whatsapp.es.template.language", "not a WhatsApp template language code")]
    [InlineData("\"{{ product.title }}\"]", "\"{{ product.titel }}\"]", "$.steps[0].message.whatsapp.en.template.parameters[1]", "product.titel")]
    [InlineData("es: { template: { name: care_tip, language: es, parameters: [\"{{ customer.first_name }}\", \"{{ product.title }}\"] } }", "es: { }", "$.steps[0].message.whatsapp.es", "needs 'text', 'template' or both")]
    public void Validator_NamesTheFieldAndTheReason(string replace, string with, string path, string reason)
    {
        Assert.Contains(replace, Journey, StringComparison.Ordinal);
        var (_, errors) = JourneyValidator.Validate(Journey.Replace(replace, with, StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == path && e.Message.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_WhatsAppWithoutTextOrSmsFallback_IsMissingALocale()
    {
        const string journey = """
            id: wa-only
            name: WhatsApp only
            trigger: { event: paid, skus: [SKU-1] }
            locales: [en, fr]
            channels: [whatsapp]
            steps:
              - { id: tip, type: send, class: service, message: { whatsapp: { en: { text: "Hello" } } } }
            """;
        var (_, errors) = JourneyValidator.Validate(journey);
        var error = Assert.Single(errors);
        Assert.Equal("$.steps[0].message.whatsapp", error.Path);
        Assert.Contains("no template for locale 'fr' or an sms text to fall back on", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Renderer_RendersTextTemplateParametersAndChat()
    {
        var message = Render("en");
        Assert.Equal(["whatsapp", "sms", "email", "webchat"], message.Channels);
        Assert.Equal("Hi Maya 👋 descale monthly.", message.WhatsApp!.Text);
        Assert.Equal(("care_tip", "en_US"), (message.WhatsApp.Template!.Name, message.WhatsApp.Template.Language));
        Assert.Equal(["Maya", "Kettle"], message.WhatsApp.Template.Parameters);
        Assert.Equal("Chat: descale monthly, Maya.", message.WebChat!.Text);

        var spanish = Render("es");
        Assert.Equal("Hola Maya, descalcifique cada mes.", spanish.WhatsApp!.Text);
        Assert.Equal("es", spanish.WhatsApp.Template!.Language);
        Assert.Equal("Hola Maya, descalcifique cada mes.", spanish.WebChat!.Text);
    }

    [Fact]
    public async Task WhatsApp_InsideTheWindow_FreeText_OutsideIt_TheTemplate()
    {
        var rules = Rules();
        var message = Render("en");
        var optedIn = Consent(ContactChannel.WhatsApp, service: true);

        var never = await rules.DecideAsync(message, Now, Now, Reader(optedIn), NoSends, None);
        Assert.Equal(("whatsapp", WhatsAppForms.Template), (never.Channel, never.Form));

        var recent = await rules.DecideAsync(message, Now, Now, Reader(optedIn with { LastInboundAt = Now - TimeSpan.FromHours(23.5) }), NoSends, None);
        Assert.Equal(("whatsapp", WhatsAppForms.Text), (recent.Channel, recent.Form));

        var lapsed = await rules.DecideAsync(message, Now, Now, Reader(optedIn with { LastInboundAt = Now - TimeSpan.FromHours(24) }), NoSends, None);
        Assert.Equal(("whatsapp", WhatsAppForms.Template), (lapsed.Channel, lapsed.Form));
    }

    [Fact]
    public async Task WhatsApp_OutsideTheWindowWithoutTemplate_FallsToTheNextChannel_AndSaysWhy()
    {
        var rules = Rules();
        var message = Render("en") with { WhatsApp = new WhatsAppContent("Hi Maya", null) };
        var decision = await rules.DecideAsync(message, Now, Now, Reader(Consent(ContactChannel.WhatsApp, service: true), Consent(ContactChannel.Sms, service: true)), NoSends, None);
        Assert.Equal("sms", decision.Channel);
        Assert.Equal(["whatsapp is outside the 24-hour window and the message has no approved template"], decision.Passed);
    }

    [Fact]
    public async Task EveryChannel_NeedsItsOwnConsent()
    {
        var rules = Rules();
        var message = Render("en");

        // The number was given for the order (SMS service) but never opted in to WhatsApp; the chat was never opened.
        var decision = await rules.DecideAsync(message, Now, Now, Reader(Consent(ContactChannel.Sms, service: true)), NoSends, None);
        Assert.Equal("sms", decision.Channel);
        Assert.Equal(["whatsapp has no opt-in"], decision.Passed);

        var onlyChat = message with { Channels = ["whatsapp", "webchat"] };
        var none = await rules.DecideAsync(onlyChat, Now, Now, Reader(Consent(ContactChannel.Sms, service: true)), NoSends, None);
        Assert.Equal("no channel allowed: whatsapp has no opt-in; webchat was never opened", none.Suppress);

        var opened = await rules.DecideAsync(onlyChat, Now, Now, Reader(Consent(ContactChannel.WebChat, service: true)), NoSends, None);
        Assert.Equal(("webchat", "c-1"), (opened.Channel, opened.Address));

        var stopped = Consent(ContactChannel.WhatsApp, service: true) with { OptedOut = true, LastInboundAt = Now };
        var afterStop = await rules.DecideAsync(onlyChat, Now, Now, Reader(stopped, Consent(ContactChannel.WebChat, service: true) with { OptedOut = true }), NoSends, None);
        Assert.Equal("no channel allowed: whatsapp opted out; webchat opted out", afterStop.Suppress);
    }

    [Fact]
    public async Task WhatsApp_KeepsQuietHours_TheChatDoesNot()
    {
        var rules = Rules();

        // 03:00 in New York.
        var night = new DateTimeOffset(2026, 6, 10, 7, 0, 0, TimeSpan.Zero);
        var message = Render("en") with { Customer = Render("en").Customer with { TimeZone = "America/New_York", Region = "US-NY" } };
        var whatsapp = await rules.DecideAsync(message, night, night, Reader(Consent(ContactChannel.WhatsApp, service: true)), NoSends, None);
        Assert.Equal("whatsapp", whatsapp.Channel);
        Assert.NotNull(whatsapp.HoldUntil);
        Assert.Equal("quiet hours in the recipient's time zone", whatsapp.HoldReason);

        var chat = await rules.DecideAsync(message with { Channels = ["webchat"] }, night, night, Reader(Consent(ContactChannel.WebChat, service: true)), NoSends, None);
        Assert.Equal("webchat", chat.Channel);
        Assert.Null(chat.HoldUntil);
    }

    private static OutboundMessage Render(string locale)
    {
        var (definition, errors) = JourneyValidator.Validate(Journey);
        Assert.Empty(errors);
        var input = new JourneyInput(
            "care-tips",
            1,
            new JsonObject { ["id"] = "c-1", ["first_name"] = "Maya", ["phone"] = "+14155550123", ["email"] = "maya@example.com", ["locale"] = locale },
            new JsonObject { ["id"] = "o-1" },
            new JsonObject { ["title"] = "Kettle" },
            new JsonObject { ["name"] = "Kettles & Co" },
            []);
        var order = new MessageOrder
        {
            Number = 1,
            Kind = OutboundKind.Journey,
            Class = MessageClass.Service,
            JourneyId = "care-tips",
            Version = 1,
            Step = "tip",
            Template = ((SendStep)definition!.Steps[0]).Message.Path,
            Channels = definition.Channels,
            Locale = locale,
        };
        return MessageRenderer.Render(definition, order, input, null);
    }

    private static SendRules Rules() => new(new QuietHours(), new DispatchSettings { PublicBaseUrl = new Uri("https://px.example.com") });

    private static ConsentState Consent(ContactChannel channel, bool service) =>
        ConsentState.None(channel, channel == ContactChannel.WebChat ? "c-1" : "+14155550123") with { Service = service };

    /// <summary>Consent as given for the channels named; none on the others.</summary>
    private static ConsentReader Reader(params ConsentState[] states) =>
        (channel, address, _) => ValueTask.FromResult(states.FirstOrDefault(s => s.Channel == channel) ?? ConsentState.None(channel, address));

    private static ValueTask<IReadOnlyList<PastSend>> NoSends(CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<PastSend>>([]);
}
