using System.Text.Json.Nodes;
using PxFunctions.Journeys.Templates;

namespace PxFunctions.Journeys.Definitions;

/// <summary>
/// Everything about a journey that the structure alone cannot show: references to steps that do not exist, steps
/// nothing leads to, loops that never wait, stages not declared, missing templates for a channel or locale, Liquid
/// that does not parse or names a variable or filter that does not exist. Every error has a path and a reason.
/// </summary>
public static class JourneyValidator
{
    /// <summary>Reads and validates a document (JSON or YAML): all structural errors, or else all semantic ones.</summary>
    public static (JourneyDefinition? Definition, IReadOnlyList<JourneyError> Errors) Validate(string text)
    {
        var (definition, errors) = JourneyReader.Read(text);
        return definition is null ? (null, errors) : Checked(definition);
    }

    public static (JourneyDefinition? Definition, IReadOnlyList<JourneyError> Errors) Validate(JsonNode? node)
    {
        var (definition, errors) = JourneyReader.Read(node);
        return definition is null ? (null, errors) : Checked(definition);
    }

    private static (JourneyDefinition?, IReadOnlyList<JourneyError>) Checked(JourneyDefinition definition)
    {
        var errors = Check(definition);
        return errors.Count == 0 ? (definition, errors) : (null, errors);
    }

    public static List<JourneyError> Check(JourneyDefinition d)
    {
        var errors = new List<JourneyError>();
        var ids = d.Steps.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var facts = d.Steps.OfType<AskStep>().Select(a => a.Record).OfType<string>()
            .Concat(d.Steps.OfType<RecordStep>().Select(r => r.Fact))
            .ToHashSet(StringComparer.Ordinal);

        CheckReferences(d, ids, errors);
        CheckReachable(d, errors);
        CheckLoops(d, errors);
        CheckStages(d, errors);

        var check = new TemplateCheck(d, facts, errors);
        foreach (var step in d.Steps)
        {
            switch (step)
            {
                case SendStep send:
                    check.Message(send.Message, send.Channels ?? d.Channels);
                    break;
                case AskStep ask:
                    check.Message(ask.Message, ask.Channels ?? d.Channels);
                    break;
                case HandoffStep handoff:
                    check.Liquid(handoff.Reason, handoff.Path + ".reason", "reason", decision: true);
                    if (handoff.Message is { } message)
                    {
                        check.Message(message, d.Channels);
                    }

                    break;
                case BranchStep branch:
                    foreach (var c in branch.When)
                    {
                        check.Liquid(LiquidTemplates.ConditionTemplate(c.If), c.Path + ".if", "condition", decision: true);
                    }

                    break;
                case RecordStep record:
                    check.Liquid(record.Value, record.Path + ".value", "value", decision: true);
                    break;
                case WaitStep { Until: { } until }:
                    check.Field(until.DateField, until.Path + ".date", date: true);
                    if (until.AddDaysField is { } field)
                    {
                        check.Field(field, until.Path + ".addDays", date: false);
                    }

                    break;
            }
        }

        foreach (var faq in d.Replies.Faq)
        {
            check.Message(faq.Reply, d.Channels);
        }

        if (d.Replies.HandoffConfirm is { } confirm)
        {
            check.Message(confirm, d.Channels);
        }

        return errors;
    }

    private static void CheckReferences(JourneyDefinition d, HashSet<string> ids, List<JourneyError> errors)
    {
        foreach (var (target, path) in d.Steps.SelectMany(s => s.Targets()).Concat(d.Exits.Where(e => e.Goto is not null).Select(e => (e.Goto!, e.Path + ".goto"))))
        {
            if (!ids.Contains(target))
            {
                errors.Add(new JourneyError(path, $"'{target}' is not a step of this journey."));
            }
        }
    }

    /// <summary>Every step must be reachable from the first, through steps or through an exit's goto.</summary>
    private static void CheckReachable(JourneyDefinition d, List<JourneyError> errors)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([d.Steps[0].Id, .. d.Exits.Select(e => e.Goto).OfType<string>()]);
        while (pending.TryPop(out var id))
        {
            if (d.Step(id) is { } step && reached.Add(id))
            {
                foreach (var (target, _) in step.Targets())
                {
                    pending.Push(target);
                }
            }
        }

        foreach (var step in d.Steps.Where(s => !reached.Contains(s.Id)))
        {
            errors.Add(new JourneyError(step.Path, $"step '{step.Id}' is never reached: no step or exit leads to it."));
        }
    }

    /// <summary>A cycle made only of steps that do not wait would run for ever within one event.</summary>
    private static void CheckLoops(JourneyDefinition d, List<JourneyError> errors)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on the current path, 2 = done
        var path = new List<string>();
        var reported = new HashSet<string>(StringComparer.Ordinal);

        void Visit(JourneyStep step)
        {
            state[step.Id] = 1;
            path.Add(step.Id);
            foreach (var (target, _) in step.Targets())
            {
                if (d.Step(target) is not { Waits: false } next)
                {
                    continue;
                }

                if (state.GetValueOrDefault(next.Id) == 1)
                {
                    var loop = path.Skip(path.IndexOf(next.Id)).Append(next.Id).ToList();
                    if (reported.Add(string.Join(">", loop.Skip(1).Order(StringComparer.Ordinal))))
                    {
                        errors.Add(new JourneyError(next.Path, $"steps {string.Join(" -> ", loop)} loop without a wait (add a wait, ask or goal step to the loop)."));
                    }
                }
                else if (!state.ContainsKey(next.Id))
                {
                    Visit(next);
                }
            }

            path.RemoveAt(path.Count - 1);
            state[step.Id] = 2;
        }

        foreach (var step in d.Steps.Where(s => !s.Waits && !state.ContainsKey(s.Id)))
        {
            Visit(step);
        }
    }

    private static void CheckStages(JourneyDefinition d, List<JourneyError> errors)
    {
        foreach (var step in d.Steps.Where(s => s.Stage is not null && !d.Stages.Contains(s.Stage)))
        {
            errors.Add(new JourneyError(step.Path + ".stage", $"'{step.Stage}' is not one of the journey's stages ({string.Join(", ", d.Stages)})."));
        }

        if (d.Stages.Count != d.Stages.Distinct(StringComparer.Ordinal).Count())
        {
            errors.Add(new JourneyError("$.stages", "names a stage twice."));
        }
    }

    /// <summary>Checks templates and field references against the journey's locales, channels, facts and vars.</summary>
    private sealed class TemplateCheck(JourneyDefinition d, HashSet<string> facts, List<JourneyError> errors)
    {
        private static readonly HashSet<string> DateFields = new(["order.created_at", "order.processed_at", "order.fulfilled_at", "order.delivered_at"], StringComparer.Ordinal);

        public void Message(MessageTemplates message, IReadOnlyList<MessageChannel> channels)
        {
            foreach (var channel in channels)
            {
                foreach (var locale in d.Locales.Where(l => !message.Has(channel, l)))
                {
                    var name = ChannelNames.Of(channel);
                    var fallback = channel is MessageChannel.WhatsApp or MessageChannel.WebChat ? " or an sms text to fall back on" : "";
                    errors.Add(new JourneyError($"{message.Path}.{name}", $"has no template for locale '{locale}'{fallback} (the journey sends {name} in {string.Join(", ", d.Locales)})."));
                }
            }

            foreach (var (locale, text) in message.Sms)
            {
                Liquid(text, $"{message.Path}.sms.{Key(locale)}", "template");
            }

            foreach (var (locale, text) in message.WebChat)
            {
                Liquid(text, $"{message.Path}.webchat.{Key(locale)}", "template");
            }

            foreach (var (locale, whatsapp) in message.WhatsApp)
            {
                var at = $"{message.Path}.whatsapp.{Key(locale)}";
                if (whatsapp.Text is { } text)
                {
                    Liquid(text, at + ".text", "template");
                }

                for (var i = 0; i < (whatsapp.Template?.Parameters.Count ?? 0); i++)
                {
                    Liquid(whatsapp.Template!.Parameters[i], $"{at}.template.parameters[{i}]", "template parameter");
                }
            }

            foreach (var (locale, email) in message.Email)
            {
                var at = $"{message.Path}.email.{Key(locale)}";
                Liquid(email.Subject, at + ".subject", "template");
                if (email.Html.Length > 0)
                {
                    Liquid(email.Html, at + ".html", "template");
                }

                if (email.Text is not null)
                {
                    Liquid(email.Text, at + ".text", "template");
                }
            }
        }

        /// <param name="decision">
        /// Evaluated by the journey itself (conditions, recorded values, handoff reasons), which never holds personal
        /// data: names, addresses and contact details are for messages only (<see cref="Interpreter.JourneyContext.PersonalFields"/>).
        /// </param>
        public void Liquid(string source, string path, string what, bool decision = false)
        {
            if (!LiquidTemplates.TryParse(source, out var template, out var error))
            {
                errors.Add(new JourneyError(path, $"the Liquid {what} does not parse: {error}"));
                return;
            }

            var (paths, filters) = LiquidTemplates.References(template);
            foreach (var field in paths)
            {
                var normalized = LiquidTemplates.Normalize(field);
                if (Unknown(normalized) is { } reason)
                {
                    errors.Add(new JourneyError(path, $"names unknown variable '{field}': {reason}"));
                }
                else if (decision && Interpreter.JourneyContext.PersonalFields.Contains(normalized))
                {
                    errors.Add(new JourneyError(path, $"uses '{field}', which is personal data: journeys decide without it (it never enters their history), so use it in messages only."));
                }
            }

            foreach (var filter in filters.Where(f => !LiquidTemplates.IsFilter(f)))
            {
                errors.Add(new JourneyError(path, $"uses unknown Liquid filter '{filter}'."));
            }
        }

        public void Field(string field, string path, bool date)
        {
            if (Unknown(field) is { } reason)
            {
                errors.Add(new JourneyError(path, $"'{field}' is not a known field: {reason}"));
            }
            else if (date && !DateFields.Contains(field) && !field.StartsWith("answers.", StringComparison.Ordinal) && !field.StartsWith("vars.", StringComparison.Ordinal))
            {
                errors.Add(new JourneyError(path, $"'{field}' is not a date (use one of {string.Join(", ", DateFields)}, an answer or a var)."));
            }
        }

        /// <summary>Null when the normalised path names something the model holds; else why not.</summary>
        private string? Unknown(string path)
        {
            var root = path.Split('.', '[')[0];
            if (!TemplateModel.Roots.Contains(root))
            {
                return $"templates can use {string.Join(", ", TemplateModel.Roots)}.";
            }

            var parts = path.Split('.');
            if (root == "answers")
            {
                var fact = parts.Length > 1 ? parts[1].Split('[')[0] : null;
                return fact is null || facts.Contains(fact) ? null : $"no ask or record step of this journey records '{fact}'.";
            }

            if (root == "vars")
            {
                var name = parts.Length > 1 ? parts[1].Split('[')[0] : null;
                return name is null || d.Vars.ContainsKey(name) ? null : $"the journey's vars have no '{name}'.";
            }

            return TemplateModel.Fields.Contains(path) ? null : $"'{root}' has no such field.";
        }

        private static string Key(string locale) => locale.Contains('-', StringComparison.Ordinal) ? $"['{locale}']" : locale;
    }
}
