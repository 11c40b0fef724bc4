using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;

namespace PxFunctions.Tests.Journeys;

/// <summary>Every mistake an author can make is reported with its JSON path and a reason, all at once.</summary>
public sealed class JourneyValidationTests
{
    /// <summary>A small valid journey; each test breaks one thing.</summary>
    private static JsonObject Valid() => JsonNode.Parse("""
        {
          "id": "mini",
          "name": "Mini",
          "trigger": { "event": "paid", "skus": ["SKU-1"] },
          "locales": ["en", "fr"],
          "channels": ["sms"],
          "vars": { "tip": "Shake well" },
          "steps": [
            { "id": "hello", "type": "send", "class": "service", "message": { "sms": { "en": "Hi {{ customer.first_name }}! {{ vars.tip }}", "fr": "Bonjour {{ customer.first_name }} !" } } },
            { "id": "pause", "type": "wait", "duration": "P2D" },
            { "id": "rate", "type": "ask", "class": "service", "expect": "rating", "record": "score",
              "on": { "1-3": "sorry", "4-5": "done" },
              "message": { "sms": { "en": "Rate us 1-5", "fr": "Notez-nous de 1 à 5" } } },
            { "id": "sorry", "type": "send", "class": "service", "message": { "sms": { "en": "Sorry ({{ answers.score }})", "fr": "Désolés" } } },
            { "id": "done", "type": "end" }
          ]
        }
        """)!.AsObject();

    private static IReadOnlyList<JourneyError> Errors(JsonNode document)
    {
        var (definition, errors) = JourneyValidator.Validate(document.ToJsonString());
        Assert.Null(definition);
        return errors;
    }

    private static void AssertError(JsonNode document, string path, string reasonPart)
    {
        var errors = Errors(document);
        Assert.True(
            errors.Any(e => e.Path == path && e.Message.Contains(reasonPart, StringComparison.Ordinal)),
            $"expected '{path}: …{reasonPart}…', got: {string.Join(" | ", errors.Select(e => $"{e.Path}: {e.Message}"))}");
    }

    private static JsonObject Step(JsonObject doc, int index) => doc["steps"]![index]!.AsObject();

    [Fact]
    public void Valid_Document_HasNoErrors_AndReadsEveryField()
    {
        var (definition, errors) = JourneyValidator.Validate(Valid().ToJsonString());

        Assert.Empty(errors);
        Assert.Equal(["hello", "pause", "rate", "sorry", "done"], definition!.Steps.Select(s => s.Id));
        Assert.Equal("pause", definition.Steps[0].Next);
        Assert.Equal(TimeSpan.FromDays(2), ((WaitStep)definition.Steps[1]).Duration);
        Assert.Equal(JourneyDefinition.DefaultStages, definition.Stages);
    }

    [Fact]
    public void UnknownField_IsNamedWithItsPath()
    {
        var doc = Valid();
        Step(doc, 0)["colour"] = "red";
        AssertError(doc, "$.steps[0].colour", "is not a known field here");
    }

    [Fact]
    public void UnknownStepType_ListsTheKnownOnes()
    {
        var doc = Valid();
        Step(doc, 1)["type"] = "sleep";
        AssertError(doc, "$.steps[1].type", "'sleep' is not a step type (expected one of send, wait, ask, branch, setStage, handoff, record, goal, end)");
    }

    [Fact]
    public void MissingClass_IsRequiredForCompliance()
    {
        var doc = Valid();
        Step(doc, 0).Remove("class");
        AssertError(doc, "$.steps[0].class", "'service' (order and usage help) or 'marketing'");
    }

    [Fact]
    public void WrongTypeAndBadDuration_AreBothReported()
    {
        var doc = Valid();
        doc["name"] = 42;
        Step(doc, 1)["duration"] = "two days";
        var errors = Errors(doc);
        Assert.Contains(errors, e => e.Path == "$.name" && e.Message == "must be a string, not a number.");
        Assert.Contains(errors, e => e.Path == "$.steps[1].duration" && e.Message.StartsWith("'two days' is not a positive duration", StringComparison.Ordinal));
    }

    [Fact]
    public void ReferenceToMissingStep_IsAnError()
    {
        var doc = Valid();
        Step(doc, 0)["next"] = "nowhere";
        AssertError(doc, "$.steps[0].next", "'nowhere' is not a step of this journey.");
    }

    [Fact]
    public void BranchWithoutTarget_AndBranchToMissingStep()
    {
        var doc = Valid();
        doc["steps"]!.AsArray().Insert(2, JsonNode.Parse("""{ "id": "fork", "type": "branch", "when": [ { "if": "customer.first_name == 'Ann'" }, { "if": "true", "goto": "ghost" } ] }"""));
        var errors = Errors(doc);
        Assert.Contains(errors, e => e.Path == "$.steps[2].when[0].goto" && e.Message == "is required.");
    }

    [Fact]
    public void BranchToUnknownStep_IsNamed()
    {
        var doc = Valid();
        doc["steps"]!.AsArray().Insert(2, JsonNode.Parse("""{ "id": "fork", "type": "branch", "when": [ { "if": "true", "goto": "ghost" } ], "else": "rate" }"""));
        AssertError(doc, "$.steps[2].when[0].goto", "'ghost' is not a step of this journey.");
    }

    [Fact]
    public void UnreachableStep_IsReported()
    {
        var doc = Valid();
        Step(doc, 3)["next"] = "done";
        Step(doc, 2)["on"] = new JsonObject { ["1-5"] = "done" };
        Step(doc, 2)["next"] = "done";
        AssertError(doc, "$.steps[3]", "step 'sorry' is never reached");
    }

    [Fact]
    public void LoopWithoutAWait_IsReportedWithItsSteps()
    {
        var doc = Valid();
        doc["steps"]!.AsArray().Insert(4, JsonNode.Parse("""{ "id": "again", "type": "branch", "when": [ { "if": "answers.score < 3", "goto": "sorry" } ], "else": "done" }"""));
        AssertError(doc, "$.steps[3]", "steps sorry -> again -> sorry loop without a wait");
    }

    [Fact]
    public void LoopThroughAWait_IsFine()
    {
        var doc = Valid();
        doc["steps"]!.AsArray().Insert(4, JsonNode.Parse("""{ "id": "again", "type": "branch", "when": [ { "if": "answers.score < 3", "goto": "pause" } ], "else": "done" }"""));
        var (definition, errors) = JourneyValidator.Validate(doc.ToJsonString());
        Assert.Empty(errors);
        Assert.NotNull(definition);
    }

    [Fact]
    public void MissingTemplateForLocale_AndForChannel()
    {
        var doc = Valid();
        Step(doc, 3)["message"]!["sms"]!.AsObject().Remove("fr");
        Step(doc, 2)["channels"] = new JsonArray("sms", "email");
        var errors = Errors(doc);
        Assert.Contains(errors, e => e.Path == "$.steps[3].message.sms" && e.Message.StartsWith("has no template for locale 'fr'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.steps[2].message.email" && e.Message.StartsWith("has no template for locale 'en'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.steps[2].message.email" && e.Message.StartsWith("has no template for locale 'fr'", StringComparison.Ordinal));
    }

    [Fact]
    public void LiquidThatDoesNotParse_GivesLineAndColumn()
    {
        var doc = Valid();
        Step(doc, 0)["message"]!["sms"]!["en"] = "Hi {{ customer.first_name ";
        AssertError(doc, "$.steps[0].message.sms.en", "the Liquid template does not parse: End of tag '}}' was expected at (1:");
    }

    [Fact]
    public void PersonalFields_InDecisions_AreRefused_InMessagesTheyAreFine()
    {
        // The journey decides inside its orchestration, whose history never holds names or addresses.
        var doc = Valid();
        doc["steps"]!.AsArray().Insert(1, JsonNode.Parse("""
            { "id": "who", "type": "branch", "when": [ { "if": "customer.first_name == 'Maya'", "goto": "done" }, { "if": "customer.locale == 'fr'", "goto": "done" } ] }
            """));
        doc["steps"]!.AsArray().Insert(2, JsonNode.Parse("""{ "id": "keep", "type": "record", "fact": "mail", "value": "{{ customer.email }}" }"""));

        var errors = Errors(doc);

        AssertError(doc, "$.steps[1].when[0].if", "uses 'customer.first_name', which is personal data");
        AssertError(doc, "$.steps[2].value", "uses 'customer.email', which is personal data");
        Assert.DoesNotContain(errors, e => e.Path == "$.steps[1].when[1].if");
        Assert.DoesNotContain(errors, e => e.Path.StartsWith("$.steps[0].message", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownVariable_UnknownAnswerAndUnknownVar_AreNamed()
    {
        var doc = Valid();
        Step(doc, 0)["message"]!["sms"]!["en"] = "Hi {{ customer.frist_name }} {{ answers.mood }} {{ vars.tips }} {{ shop.name }}";
        var errors = Errors(doc).Where(e => e.Path == "$.steps[0].message.sms.en").Select(e => e.Message).ToList();
        Assert.Contains("names unknown variable 'customer.frist_name': 'customer' has no such field.", errors);
        Assert.Contains("names unknown variable 'answers.mood': no ask or record step of this journey records 'mood'.", errors);
        Assert.Contains("names unknown variable 'vars.tips': the journey's vars have no 'tips'.", errors);
        Assert.Contains(errors, e => e.StartsWith("names unknown variable 'shop.name': templates can use", StringComparison.Ordinal));
    }

    [Fact]
    public void LoopVariablesAndAssigns_AreKnown_UnknownFilterIsNot()
    {
        var doc = Valid();
        Step(doc, 0)["message"]!["sms"]!["en"] =
            "{% for item in order.line_items %}{{ item.title }} x{{ item.quantity }}{% endfor %}{% assign n = order.line_items.size %}{{ n }} {{ order.line_items.first.sku }} {{ product.title | shout }}";
        var errors = Errors(doc);
        Assert.Equal(["$.steps[0].message.sms.en: uses unknown Liquid filter 'shout'."], errors.Select(e => $"{e.Path}: {e.Message}"));
    }

    [Fact]
    public void BranchConditionThatDoesNotParse_IsReported()
    {
        var doc = Valid();
        doc["steps"]!.AsArray().Insert(4, JsonNode.Parse("""{ "id": "check", "type": "branch", "when": [ { "if": "answers.score >=", "goto": "done" } ] }"""));
        AssertError(doc, "$.steps[4].when[0].if", "the Liquid condition does not parse");
    }

    [Fact]
    public void UnknownStage_DuplicateStepId_AndUnknownTimeZone()
    {
        var doc = Valid();
        Step(doc, 1)["stage"] = "Onboarding";
        Step(doc, 3)["id"] = "hello";
        doc["timeZone"] = "Mars/Olympus";
        var errors = Errors(doc);
        Assert.Contains(errors, e => e.Path == "$.steps[3].id" && e.Message.Contains("is used by an earlier step", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.timeZone" && e.Message == "'Mars/Olympus' is not a known IANA time zone.");
    }

    [Fact]
    public void UnknownStage_IsReportedAgainstTheJourneyStages()
    {
        var doc = Valid();
        Step(doc, 1)["stage"] = "Onboarding";
        AssertError(doc, "$.steps[1].stage", "'Onboarding' is not one of the journey's stages (Unboxing, Usage, Care & Maintenance, Upsell/Renewal)");
    }

    [Fact]
    public void AskBranches_OutOfScale_Overlapping_AndWrongKind()
    {
        var doc = Valid();
        Step(doc, 2)["on"] = new JsonObject { ["1-3"] = "sorry", ["3-5"] = "done", ["7"] = "done", ["maybe"] = "done" };
        var errors = Errors(doc);
        Assert.Contains(errors, e => e.Path == "$.steps[2].on['3-5']" && e.Message == "overlaps '1-3'.");
        Assert.Contains(errors, e => e.Path == "$.steps[2].on['7']" && e.Message.Contains("from 1 to 5", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.steps[2].on.maybe");
    }

    [Fact]
    public void ChoiceWithoutOptions_AndWaitWithTwoKinds_AndBackwardsWindow()
    {
        var doc = Valid();
        Step(doc, 2)["expect"] = "choice";
        Step(doc, 2).Remove("on");
        Step(doc, 1)["until"] = new JsonObject { ["date"] = "order.created_at" };
        doc["steps"]!.AsArray().Insert(2, JsonNode.Parse("""{ "id": "window", "type": "wait", "window": { "from": "11:00", "to": "09:00" } }"""));
        var errors = Errors(doc);
        Assert.Contains(errors, e => e.Path == "$.steps[3].options" && e.Message == "is required (a list).");
        Assert.Contains(errors, e => e.Path == "$.steps[1]" && e.Message.Contains("exactly one of duration, until, window (got duration, until)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.steps[2].window" && e.Message == "'from' (11:00) must be before 'to' (09:00).");
    }

    [Fact]
    public void WaitUntil_UnknownOrNonDateField()
    {
        var doc = Valid();
        Step(doc, 1).Remove("duration");
        Step(doc, 1)["until"] = new JsonObject { ["date"] = "order.total_price", ["addDays"] = "vars.supply" };
        var errors = Errors(doc);
        Assert.Contains(errors, e => e.Path == "$.steps[1].until.date" && e.Message.StartsWith("'order.total_price' is not a date", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.steps[1].until.addDays" && e.Message.Contains("the journey's vars have no 'supply'", StringComparison.Ordinal));
    }

    [Fact]
    public void TriggerMatchingNothing_AndExitWithBothTargets()
    {
        var doc = Valid();
        doc["trigger"] = new JsonObject { ["event"] = "shipped" };
        doc["exits"] = new JsonArray(new JsonObject { ["on"] = "refunded", ["goto"] = "done", ["outcome"] = "refunded" });
        var errors = Errors(doc);
        Assert.Contains(errors, e => e.Path == "$.trigger.event" && e.Message == "'shipped' is not one of paid, fulfilled, delivered.");
        Assert.Contains(errors, e => e.Path == "$.trigger" && e.Message.StartsWith("matches no product", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.exits[0]" && e.Message.StartsWith("needs exactly one of 'goto'", StringComparison.Ordinal));
    }

    [Fact]
    public void SyntaxErrors_GiveTheLine()
    {
        var (_, json) = JourneyValidator.Validate("{\n  \"id\": \"x\",\n  \"name\": \n}");
        Assert.StartsWith("Not valid JSON (line 4", Assert.Single(json).Message, StringComparison.Ordinal);

        var (_, yaml) = JourneyValidator.Validate("id: x\nname: \"unclosed\nsteps: []\n");
        Assert.StartsWith("Not valid YAML (line ", Assert.Single(yaml).Message, StringComparison.Ordinal);

        var (_, bracket) = JourneyValidator.Validate("id: x\nname: [unclosed\nsteps: []\n");
        Assert.Equal("Not valid YAML: a bracket or brace is not closed.", Assert.Single(bracket).Message);
    }

    [Fact]
    public void Yaml_ReadsTheSameAsJson()
    {
        const string yaml = """
            id: mini
            name: Mini
            trigger: { event: paid, skus: [SKU-1] }
            locales: [en]
            channels: [sms]
            steps:
              - { id: hello, type: send, class: service, message: { sms: { en: "Hi {{ customer.first_name }}" } } }
              - { id: pause, type: wait, duration: 2d }
              - { id: rate, type: ask, class: service, expect: rating, scale: 10, on: { "9-10": done }, message: { sms: { en: "0-10?" } } }
              - { id: done, type: end, outcome: finished }
            """;
        var (definition, errors) = JourneyValidator.Validate(yaml);

        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromDays(2), ((WaitStep)definition!.Steps[1]).Duration);
        Assert.Equal(10, ((AskStep)definition.Steps[2]).Scale);
        Assert.Equal("finished", ((EndStep)definition.Steps[3]).Outcome);
    }

    [Theory]
    [InlineData("skincare-serum")]
    [InlineData("coffee-machine")]
    [InlineData("supplement-subscription")]
    public void Examples_AreValid_AndMatchThePublishedSchema(string id)
    {
        Samples.Example(id);
        var (node, _) = JourneyDocument.Parse(Samples.ExampleText(id));
        var result = Schema.Evaluate(JsonDocument.Parse(node!.ToJsonString()).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => $"{d.InstanceLocation}: {string.Join(",", d.Errors!.Values)}")));
    }

    [Fact]
    public void Schema_RejectsWhatTheValidatorRejects_ForStructuralMistakes()
    {
        var unknownField = Valid();
        Step(unknownField, 0)["colour"] = "red";
        var noClass = Valid();
        Step(noClass, 0).Remove("class");
        var badDuration = Valid();
        Step(badDuration, 1)["duration"] = "two days";

        foreach (var doc in new[] { unknownField, noClass, badDuration })
        {
            Assert.NotEmpty(Errors(doc));
            Assert.False(Schema.Evaluate(JsonDocument.Parse(doc.ToJsonString()).RootElement).IsValid, doc.ToJsonString());
        }

        Assert.True(Schema.Evaluate(JsonDocument.Parse(Valid().ToJsonString()).RootElement).IsValid);
    }

    [Fact]
    public void AllStepKinds_AreCoveredByTheExamples()
    {
        var used = ExampleIds.Select(Samples.Example).SelectMany(d => d.Steps).ToList();

        Assert.Equal(JourneyReader.StepTypes.Order(), used.Select(s => s.Type).Distinct().Order());
        Assert.Equal(Enum.GetValues<AnswerKind>().Order(), used.OfType<AskStep>().Select(a => a.Expect).Distinct().Order());
        Assert.Contains(used.OfType<WaitStep>(), w => w.Duration is not null);
        Assert.Contains(used.OfType<WaitStep>(), w => w.Until is not null);
        Assert.Contains(used.OfType<WaitStep>(), w => w.Window is not null);
    }

    [Fact]
    public void ReadmeExample_IsValid()
    {
        var readme = File.ReadAllText(Path.Combine(EmbeddedAzuriteRoot(), "README.md"));
        var section = readme[readme.IndexOf("## Writing a journey", StringComparison.Ordinal)..];
        var start = section.IndexOf("```yaml\n", StringComparison.Ordinal) + "```yaml\n".Length;
        var yaml = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];

        var (definition, errors) = JourneyValidator.Validate(yaml);
        Assert.Empty(errors);
        Assert.Equal("serum", definition!.Id);
    }

    private static string EmbeddedAzuriteRoot() => PxFunctions.Storage.EmbeddedAzurite.FindPackageRoot()!;

    private static readonly JsonSchema Schema = JsonSchema.FromText(JourneySchema.Text);
    private static readonly string[] ExampleIds = ["skincare-serum", "coffee-machine", "supplement-subscription"];
}
