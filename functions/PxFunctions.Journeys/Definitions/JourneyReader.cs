using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PxFunctions.Journeys.Definitions;

/// <summary>
/// Reads a journey document into a <see cref="JourneyDefinition"/>, collecting every structural error (unknown
/// field, wrong type, missing value) with its path. Cross-references, templates and the step graph are checked
/// afterwards by <see cref="JourneyValidator"/>.
/// </summary>
public sealed partial class JourneyReader
{
    private static readonly string[] JourneyFields = ["$schema", "id", "name", "description", "trigger", "locales", "channels", "timeZone", "stages", "vars", "exits", "replies", "steps"];
    private static readonly string[] TriggerFields = ["event", "skus", "productIds", "productTypes", "tags", "vendors", "deliveryFallbackDays", "allowConcurrent"];
    private static readonly string[] CommonStepFields = ["id", "type", "next", "stage"];
    private static readonly string[] WaitKinds = ["duration", "until", "window"];

    private static readonly Dictionary<string, string[]> StepFields = new()
    {
        ["send"] = ["class", "channels", "message"],
        ["wait"] = ["duration", "until", "window"],
        ["ask"] = ["class", "channels", "message", "expect", "scale", "options", "on", "unrecognised", "noReply", "timeout", "record"],
        ["branch"] = ["when", "else"],
        ["setStage"] = [],
        ["handoff"] = ["reason", "message", "resumeAfter"],
        ["record"] = ["fact", "value"],
        ["goal"] = ["event", "within", "reached", "missed"],
        ["end"] = ["outcome"],
    };

    /// <summary>The step kinds a document may use.</summary>
    public static IReadOnlyCollection<string> StepTypes => StepFields.Keys;

    private static readonly Dictionary<string, TriggerEvent> TriggerEvents = new()
    {
        ["paid"] = TriggerEvent.Paid, ["fulfilled"] = TriggerEvent.Fulfilled, ["delivered"] = TriggerEvent.Delivered,
    };

    private static readonly Dictionary<string, MessageClass> Classes = new() { ["service"] = MessageClass.Service, ["marketing"] = MessageClass.Marketing };

    private static readonly Dictionary<string, AnswerKind> AnswerKinds = new()
    {
        ["rating"] = AnswerKind.Rating, ["yesno"] = AnswerKind.YesNo, ["choice"] = AnswerKind.Choice, ["keywords"] = AnswerKind.Keywords,
    };

    private static readonly Dictionary<string, DayOfWeek> Days = new()
    {
        ["mon"] = DayOfWeek.Monday, ["tue"] = DayOfWeek.Tuesday, ["wed"] = DayOfWeek.Wednesday, ["thu"] = DayOfWeek.Thursday,
        ["fri"] = DayOfWeek.Friday, ["sat"] = DayOfWeek.Saturday, ["sun"] = DayOfWeek.Sunday,
    };

    /// <summary>The longest wait a step may ask for (renewals a year or two out are normal).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(1000);

    private readonly DocumentReader _r = new();

    private JourneyReader()
    {
    }

    /// <summary>Parses and reads a document; the definition is null when there were structural errors.</summary>
    public static (JourneyDefinition? Definition, IReadOnlyList<JourneyError> Errors) Read(string text)
    {
        var (node, error) = JourneyDocument.Parse(text);
        return error is not null ? (null, [error]) : Read(node);
    }

    public static (JourneyDefinition? Definition, IReadOnlyList<JourneyError> Errors) Read(JsonNode? node)
    {
        var reader = new JourneyReader();
        var definition = reader.ReadJourney(node);
        return reader._r.Errors.Count > 0 ? (null, reader._r.Errors) : (definition, []);
    }

    private JourneyDefinition? ReadJourney(JsonNode? node)
    {
        const string path = "$";
        var obj = _r.Object(node, path, JourneyFields);
        if (obj is null)
        {
            return null;
        }

        var id = _r.String(obj, "id", path, required: true, JourneyIdPattern(), "must be 2-64 lowercase letters, digits and '-', starting with a letter or digit");
        var name = _r.String(obj, "name", path, required: true);
        var locales = _r.Strings(obj, "locales", path, LocalePattern(), "is not a locale such as en or en-US");
        if (!obj.ContainsKey("locales"))
        {
            _r.Error(DocumentReader.Child(path, "locales"), "is required (the locales every message has templates for; the first is the fallback).");
        }
        else if (locales.Count == 0)
        {
            _r.Error(DocumentReader.Child(path, "locales"), "must name at least one locale.");
        }

        var channels = Channels(obj, path) ?? [MessageChannel.Sms, MessageChannel.Email];
        var timeZone = _r.String(obj, "timeZone", path) ?? "UTC";
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
        {
            _r.Error(DocumentReader.Child(path, "timeZone"), $"'{timeZone}' is not a known IANA time zone.");
        }

        var stages = obj.ContainsKey("stages") ? _r.Strings(obj, "stages", path) : [.. JourneyDefinition.DefaultStages];
        var vars = new JsonObject();
        if (obj.TryGetPropertyValue("vars", out var varsNode) && varsNode is not null)
        {
            vars = _r.Object(varsNode, DocumentReader.Child(path, "vars"), varsNode is JsonObject o ? o.Select(p => p.Key).ToList() : []) ?? new JsonObject();
            foreach (var (key, _) in vars.Where(v => !FactPattern().IsMatch(v.Key)))
            {
                _r.Error(DocumentReader.Child(DocumentReader.Child(path, "vars"), key), "must be named with lowercase letters, digits and '_', starting with a letter.");
            }
        }

        var trigger = Trigger(obj["trigger"], DocumentReader.Child(path, "trigger"));
        var exits = Exits(obj, path);
        var replies = Replies(obj["replies"], DocumentReader.Child(path, "replies"));
        var steps = Steps(obj, path);

        if (id is null || name is null || trigger is null || steps is null)
        {
            return null;
        }

        return new JourneyDefinition
        {
            Id = id,
            Name = name,
            Description = _r.String(obj, "description", path),
            Trigger = trigger,
            Locales = locales,
            Channels = channels,
            TimeZone = timeZone,
            Stages = stages,
            Vars = (JsonObject)vars.DeepClone(),
            Exits = exits,
            Replies = replies,
            Steps = steps,
        };
    }

    private JourneyTrigger? Trigger(JsonNode? node, string path)
    {
        var obj = _r.Object(node, path, TriggerFields);
        if (obj is null)
        {
            return null;
        }

        var trigger = new JourneyTrigger
        {
            Event = _r.Enum(obj, "event", path, required: true, TriggerEvents) ?? TriggerEvent.Paid,
            Skus = _r.Strings(obj, "skus", path),
            ProductIds = _r.Strings(obj, "productIds", path),
            ProductTypes = _r.Strings(obj, "productTypes", path),
            Tags = _r.Strings(obj, "tags", path),
            Vendors = _r.Strings(obj, "vendors", path),
            DeliveryFallbackDays = _r.Int(obj, "deliveryFallbackDays", path, 1, 60) ?? 7,
            AllowConcurrent = _r.Bool(obj, "allowConcurrent", path) ?? false,
        };
        if (trigger.Skus.Count + trigger.ProductIds.Count + trigger.ProductTypes.Count + trigger.Tags.Count + trigger.Vendors.Count == 0)
        {
            _r.Error(path, "matches no product: give at least one of skus, productIds, productTypes, tags, vendors.");
        }

        if (obj.ContainsKey("deliveryFallbackDays") && trigger.Event != TriggerEvent.Delivered)
        {
            _r.Error(DocumentReader.Child(path, "deliveryFallbackDays"), "applies only when the event is 'delivered'.");
        }

        return trigger;
    }

    private List<JourneyExit> Exits(JsonObject obj, string path)
    {
        var exits = new List<JourneyExit>();
        var array = _r.Array(obj, "exits", path, required: false);
        for (var i = 0; i < (array?.Count ?? 0); i++)
        {
            var at = DocumentReader.Item(DocumentReader.Child(path, "exits"), i);
            var exit = _r.Object(array![i], at, ["on", "goto", "outcome"]);
            if (exit is null)
            {
                continue;
            }

            var on = _r.String(exit, "on", at, required: true, EventNamePattern(), "must be an event name (letters, digits, '_', '-', '.')");
            var target = _r.String(exit, "goto", at);
            var outcome = _r.String(exit, "outcome", at);
            if ((target is null) == (outcome is null))
            {
                _r.Error(at, "needs exactly one of 'goto' (a step) or 'outcome' (end the journey).");
            }

            if (on is not null)
            {
                exits.Add(new JourneyExit(on, target, outcome, at));
            }
        }

        return exits;
    }

    private ReplyRules Replies(JsonNode? node, string path)
    {
        if (node is null)
        {
            return new ReplyRules();
        }

        var obj = _r.Object(node, path, ["faq", "handoffKeywords", "handoffConfirm"]);
        if (obj is null)
        {
            return new ReplyRules();
        }

        var faq = new List<FaqEntry>();
        var array = _r.Array(obj, "faq", path, required: false);
        for (var i = 0; i < (array?.Count ?? 0); i++)
        {
            var at = DocumentReader.Item(DocumentReader.Child(path, "faq"), i);
            var entry = _r.Object(array![i], at, ["match", "message"]);
            if (entry is null)
            {
                continue;
            }

            var match = _r.Strings(entry, "match", at);
            if (match.Count == 0)
            {
                _r.Error(DocumentReader.Child(at, "match"), "must list at least one word or phrase.");
            }

            if (Message(entry, at, required: true) is { } message)
            {
                faq.Add(new FaqEntry(match, message, at));
            }
        }

        return new ReplyRules
        {
            Faq = faq,
            HandoffKeywords = obj.ContainsKey("handoffKeywords") ? _r.Strings(obj, "handoffKeywords", path) : ReplyRules.DefaultHandoffKeywords,
            HandoffConfirm = obj.ContainsKey("handoffConfirm") ? Templates(obj["handoffConfirm"], DocumentReader.Child(path, "handoffConfirm")) : null,
        };
    }

    private List<JourneyStep>? Steps(JsonObject obj, string path)
    {
        var array = _r.Array(obj, "steps", path, required: true);
        if (array is null)
        {
            return null;
        }

        if (array.Count == 0)
        {
            _r.Error(DocumentReader.Child(path, "steps"), "must hold at least one step.");
            return null;
        }

        var steps = new List<JourneyStep>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            var at = DocumentReader.Item(DocumentReader.Child(path, "steps"), i);
            if (Step(array[i], at) is { } step)
            {
                if (!ids.Add(step.Id))
                {
                    _r.Error(DocumentReader.Child(at, "id"), $"'{step.Id}' is used by an earlier step; step ids must be unique.");
                }

                steps.Add(step);
            }
        }

        // A step without 'next' goes to the one that follows it in the list.
        for (var i = 0; i < steps.Count - 1; i++)
        {
            if (steps[i].Next is null && steps[i] is not EndStep)
            {
                steps[i] = steps[i] with { Next = steps[i + 1].Id };
            }
        }

        return steps;
    }

    private JourneyStep? Step(JsonNode? node, string path)
    {
        var type = node is JsonObject o && o["type"] is JsonValue v && v.TryGetValue<string>(out var t) ? t : null;
        if (type is null || !StepFields.TryGetValue(type, out var fields))
        {
            if (node is JsonObject)
            {
                _r.Error(DocumentReader.Child(path, "type"), type is null
                    ? $"is required (one of {string.Join(", ", StepFields.Keys)})."
                    : $"'{type}' is not a step type (expected one of {string.Join(", ", StepFields.Keys)}).");
            }
            else
            {
                _r.Object(node, path, CommonStepFields);
            }

            return null;
        }

        var obj = _r.Object(node, path, [.. CommonStepFields, .. fields])!;
        var id = _r.String(obj, "id", path, required: true, StepIdPattern(), "must be 1-64 letters, digits, '_' or '-'");
        var next = _r.String(obj, "next", path);
        var stage = _r.String(obj, "stage", path, required: type == "setStage");
        if (id is null)
        {
            return null;
        }

        JourneyStep? step = type switch
        {
            "send" => Message(obj, path, required: true) is { } m
                ? new SendStep { Id = id, Path = path, Class = Class(obj, path), Channels = Channels(obj, path), Message = m }
                : null,
            "wait" => Wait(obj, path, id),
            "ask" => Ask(obj, path, id),
            "branch" => Branch(obj, path, id),
            "setStage" => new SetStageStep { Id = id, Path = path },
            "handoff" => new HandoffStep
            {
                Id = id,
                Path = path,
                Reason = _r.String(obj, "reason", path, required: true) ?? "",
                Message = obj.ContainsKey("message") ? Message(obj, path, required: false) : null,
                ResumeAfter = _r.Duration(obj, "resumeAfter", path, max: TimeSpan.FromDays(14)) ?? TimeSpan.FromHours(24),
            },
            "record" => new RecordStep
            {
                Id = id,
                Path = path,
                Fact = _r.String(obj, "fact", path, required: true, FactPattern(), "must be lowercase letters, digits and '_', starting with a letter") ?? "",
                Value = _r.String(obj, "value", path, required: true) ?? "",
            },
            "goal" => new GoalStep
            {
                Id = id,
                Path = path,
                Event = _r.String(obj, "event", path, required: true, EventNamePattern(), "must be an event name (letters, digits, '_', '-', '.')") ?? "",
                Within = _r.Duration(obj, "within", path, max: MaxWait) ?? RequiredMissing(path, "within"),
                Reached = _r.String(obj, "reached", path),
                Missed = _r.String(obj, "missed", path),
            },
            _ => new EndStep { Id = id, Path = path, Outcome = _r.String(obj, "outcome", path) ?? "completed" },
        };

        return step is null ? null : step with { Next = next, Stage = stage };
    }

    private TimeSpan RequiredMissing(string path, string key)
    {
        if (!_r.Errors.Any(e => e.Path == DocumentReader.Child(path, key)))
        {
            _r.Error(DocumentReader.Child(path, key), "is required (a duration such as P14D).");
        }

        return TimeSpan.Zero;
    }

    private WaitStep? Wait(JsonObject obj, string path, string id)
    {
        var given = WaitKinds.Where(obj.ContainsKey).ToList();
        if (given.Count != 1)
        {
            _r.Error(path, $"a wait needs exactly one of duration, until, window (got {(given.Count == 0 ? "none" : string.Join(", ", given))}).");
            return null;
        }

        return given[0] switch
        {
            "duration" => new WaitStep { Id = id, Path = path, Duration = _r.Duration(obj, "duration", path, max: MaxWait) ?? TimeSpan.Zero },
            "until" => new WaitStep { Id = id, Path = path, Until = Until(obj["until"], DocumentReader.Child(path, "until")) },
            _ => new WaitStep { Id = id, Path = path, Window = Window(obj["window"], DocumentReader.Child(path, "window")) },
        };
    }

    private WaitUntil? Until(JsonNode? node, string path)
    {
        var obj = _r.Object(node, path, ["date", "addDays", "offset"]);
        if (obj is null)
        {
            return null;
        }

        var date = _r.String(obj, "date", path, required: true, FieldPathPattern(), "must name a date field such as order.delivered_at");
        double? addDays = null;
        string? addDaysField = null;
        if (obj["addDays"] is JsonValue v && v.TryGetValue<string>(out var field))
        {
            addDaysField = _r.String(obj, "addDays", path, pattern: FieldPathPattern(), patternHint: "must be a number or a numeric field such as vars.supply_days");
        }
        else
        {
            addDays = _r.Number(obj, "addDays", path, -1000, 1000);
        }

        var offset = _r.Duration(obj, "offset", path, allowNegative: true, max: MaxWait) ?? TimeSpan.Zero;
        return date is null ? null : new WaitUntil(date, addDays, addDaysField, offset, path);
    }

    private LocalWindow? Window(JsonNode? node, string path)
    {
        var obj = _r.Object(node, path, ["from", "to", "days"]);
        if (obj is null)
        {
            return null;
        }

        TimeOnly? Time(string key)
        {
            var text = _r.String(obj, key, path, required: true);
            if (text is null)
            {
                return null;
            }

            if (TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            {
                return time;
            }

            _r.Error(DocumentReader.Child(path, key), $"'{text}' is not a time of day such as 09:00.");
            return null;
        }

        var from = Time("from");
        var to = Time("to");
        if (from is not null && to is not null && from >= to)
        {
            _r.Error(path, $"'from' ({from:HH:mm}) must be before 'to' ({to:HH:mm}).");
            return null;
        }

        var days = new HashSet<DayOfWeek>();
        var names = _r.Strings(obj, "days", path);
        for (var i = 0; i < names.Count; i++)
        {
            if (Days.TryGetValue(names[i].ToLowerInvariant()[..Math.Min(3, names[i].Length)], out var day))
            {
                days.Add(day);
            }
            else
            {
                _r.Error(DocumentReader.Item(DocumentReader.Child(path, "days"), i), $"'{names[i]}' is not a day (mon, tue, wed, thu, fri, sat, sun).");
            }
        }

        return from is null || to is null ? null : new LocalWindow(from.Value, to.Value, days.Count == 0 ? Days.Values.ToHashSet() : days);
    }

    private AskStep? Ask(JsonObject obj, string path, string id)
    {
        var message = Message(obj, path, required: true);
        var expect = _r.Enum(obj, "expect", path, required: true, AnswerKinds);
        var scale = _r.Int(obj, "scale", path, 2, 10) ?? 5;
        if (message is null || expect is null)
        {
            return null;
        }

        var options = new List<AnswerOption>();
        var optionArray = _r.Array(obj, "options", path, required: expect is AnswerKind.Choice or AnswerKind.Keywords);
        if (optionArray is not null && expect is AnswerKind.Rating or AnswerKind.YesNo)
        {
            _r.Error(DocumentReader.Child(path, "options"), $"applies only to choice and keywords questions; use 'on' for {(expect == AnswerKind.Rating ? "rating" : "yesno")}.");
        }
        else
        {
            for (var i = 0; i < (optionArray?.Count ?? 0); i++)
            {
                var at = DocumentReader.Item(DocumentReader.Child(path, "options"), i);
                var option = _r.Object(optionArray![i], at, ["value", "label", "match", "goto"]);
                if (option is null)
                {
                    continue;
                }

                var value = _r.String(option, "value", at, required: true);
                var match = _r.Strings(option, "match", at);
                if (expect == AnswerKind.Keywords && match.Count == 0 && value is not null)
                {
                    match.Add(value);
                }

                if (value is not null)
                {
                    options.Add(new AnswerOption(value, _r.String(option, "label", at), match, _r.String(option, "goto", at), at));
                }
            }

            if (optionArray is { Count: 0 })
            {
                _r.Error(DocumentReader.Child(path, "options"), "must list at least one answer.");
            }
        }

        var branches = new List<AnswerBranch>();
        if (obj["on"] is { } onNode)
        {
            var onPath = DocumentReader.Child(path, "on");
            if (expect is AnswerKind.Choice or AnswerKind.Keywords)
            {
                _r.Error(onPath, "applies only to rating and yesno questions; give each option its own 'goto'.");
            }
            else if (_r.Object(onNode, onPath, onNode is JsonObject given ? given.Select(p => p.Key).ToList() : []) is { } on)
            {
                foreach (var (key, value) in on)
                {
                    var at = DocumentReader.Child(onPath, key);
                    var target = value is JsonValue tv && tv.TryGetValue<string>(out var s) ? s : null;
                    if (target is null)
                    {
                        _r.Error(at, "must name the step to go to.");
                        continue;
                    }

                    if (AnswerKey(key, expect.Value, scale) is { } range)
                    {
                        var overlap = branches.FirstOrDefault(b => b.Low <= range.High && range.Low <= b.High);
                        if (overlap is not null)
                        {
                            _r.Error(at, $"overlaps '{overlap.Key}'.");
                        }

                        branches.Add(new AnswerBranch(key, range.Low, range.High, target, at));
                    }
                    else
                    {
                        _r.Error(at, expect == AnswerKind.YesNo
                            ? $"'{key}' is not an answer of a yesno question (yes or no)."
                            : $"'{key}' is not a rating or a range of ratings from 1 to {scale} (such as 4 or 1-3).");
                    }
                }
            }
        }

        return new AskStep
        {
            Id = id,
            Path = path,
            Class = Class(obj, path),
            Channels = Channels(obj, path),
            Message = message,
            Expect = expect.Value,
            Scale = scale,
            Options = options,
            On = branches,
            Unrecognised = _r.String(obj, "unrecognised", path),
            NoReply = _r.String(obj, "noReply", path),
            Timeout = _r.Duration(obj, "timeout", path, max: TimeSpan.FromDays(60)) ?? TimeSpan.FromDays(3),
            Record = _r.String(obj, "record", path, pattern: FactPattern(), patternHint: "must be lowercase letters, digits and '_', starting with a letter"),
        };
    }

    private static (int Low, int High)? AnswerKey(string key, AnswerKind expect, int scale)
    {
        if (expect == AnswerKind.YesNo)
        {
            return key.ToLowerInvariant() switch { "yes" => (1, 1), "no" => (0, 0), _ => null };
        }

        var parts = key.Split('-');
        if (parts.Length is < 1 or > 2 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            return null;
        }

        var low = int.Parse(parts[0], CultureInfo.InvariantCulture);
        var high = int.Parse(parts[^1], CultureInfo.InvariantCulture);
        return low >= 1 && high <= scale && low <= high ? (low, high) : null;
    }

    private BranchStep? Branch(JsonObject obj, string path, string id)
    {
        var array = _r.Array(obj, "when", path, required: true);
        var cases = new List<BranchCase>();
        for (var i = 0; i < (array?.Count ?? 0); i++)
        {
            var at = DocumentReader.Item(DocumentReader.Child(path, "when"), i);
            var c = _r.Object(array![i], at, ["if", "goto"]);
            if (c is null)
            {
                continue;
            }

            var condition = _r.String(c, "if", at, required: true);
            var target = _r.String(c, "goto", at, required: true);
            if (condition is not null && target is not null)
            {
                cases.Add(new BranchCase(condition, target, at));
            }
        }

        if (array is { Count: 0 })
        {
            _r.Error(DocumentReader.Child(path, "when"), "must hold at least one condition.");
        }

        return array is null ? null : new BranchStep { Id = id, Path = path, When = cases, Else = _r.String(obj, "else", path) };
    }

    private MessageClass Class(JsonObject obj, string path)
    {
        var value = _r.Enum(obj, "class", path, required: false, Classes);
        if (value is null && !obj.ContainsKey("class"))
        {
            // Compliance: every message is service or marketing, and marketing needs marketing consent; no default.
            _r.Error(DocumentReader.Child(path, "class"), "is required: 'service' (order and usage help) or 'marketing' (needs marketing consent).");
        }

        return value ?? MessageClass.Service;
    }

    private List<MessageChannel>? Channels(JsonObject obj, string path)
    {
        if (!obj.ContainsKey("channels"))
        {
            return null;
        }

        var channels = new List<MessageChannel>();
        var names = _r.Strings(obj, "channels", path);
        for (var i = 0; i < names.Count; i++)
        {
            if (ChannelNames.Parse(names[i]) is { } channel)
            {
                channels.Add(channel);
            }
            else
            {
                _r.Error(DocumentReader.Item(DocumentReader.Child(path, "channels"), i), $"'{names[i]}' is not a channel ({ChannelNames.List}).");
            }
        }

        if (names.Count == 0)
        {
            _r.Error(DocumentReader.Child(path, "channels"), $"must name at least one channel ({ChannelNames.List}).");
        }

        return channels.Distinct().ToList();
    }

    private MessageTemplates? Message(JsonObject obj, string path, bool required)
    {
        if (!obj.ContainsKey("message"))
        {
            if (required)
            {
                _r.Error(DocumentReader.Child(path, "message"), "is required (templates per channel and locale).");
            }

            return null;
        }

        return Templates(obj["message"], DocumentReader.Child(path, "message"));
    }

    private MessageTemplates? Templates(JsonNode? node, string path)
    {
        var obj = _r.Object(node, path, ["sms", "email", "whatsapp", "webchat"]);
        if (obj is null)
        {
            return null;
        }

        var sms = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj["sms"] is { } smsNode && _r.Object(smsNode, DocumentReader.Child(path, "sms"), Keys(smsNode)) is { } smsObj)
        {
            foreach (var (locale, _) in smsObj)
            {
                if (CheckLocale(locale, DocumentReader.Child(path, "sms")) && _r.String(smsObj, locale, DocumentReader.Child(path, "sms"), required: true) is { } text)
                {
                    sms[locale] = text;
                }
            }
        }

        var email = new Dictionary<string, EmailTemplate>(StringComparer.Ordinal);
        if (obj["email"] is { } emailNode && _r.Object(emailNode, DocumentReader.Child(path, "email"), Keys(emailNode)) is { } emailObj)
        {
            foreach (var (locale, value) in emailObj)
            {
                var at = DocumentReader.Child(DocumentReader.Child(path, "email"), locale);
                if (!CheckLocale(locale, DocumentReader.Child(path, "email")) || _r.Object(value, at, ["subject", "html", "text"]) is not { } e)
                {
                    continue;
                }

                var subject = _r.String(e, "subject", at, required: true);
                var html = _r.String(e, "html", at);
                var text = _r.String(e, "text", at);
                if (html is null && text is null)
                {
                    _r.Error(at, "needs 'html', 'text' or both.");
                }
                else if (subject is not null)
                {
                    email[locale] = new EmailTemplate(subject, html ?? "", text);
                }
            }
        }

        var webchat = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj["webchat"] is { } chatNode && _r.Object(chatNode, DocumentReader.Child(path, "webchat"), Keys(chatNode)) is { } chatObj)
        {
            foreach (var (locale, _) in chatObj)
            {
                if (CheckLocale(locale, DocumentReader.Child(path, "webchat")) && _r.String(chatObj, locale, DocumentReader.Child(path, "webchat"), required: true) is { } text)
                {
                    webchat[locale] = text;
                }
            }
        }

        var whatsapp = obj["whatsapp"] is { } waNode ? WhatsApp(waNode, DocumentReader.Child(path, "whatsapp")) : [];
        if (!obj.ContainsKey("sms") && !obj.ContainsKey("email") && !obj.ContainsKey("whatsapp") && !obj.ContainsKey("webchat"))
        {
            _r.Error(path, $"needs templates for at least one channel ({ChannelNames.List}).");
        }

        return new MessageTemplates { Sms = sms, Email = email, WhatsApp = whatsapp, WebChat = webchat, Path = path };
    }

    /// <summary><c>whatsapp: {locale: {text?, template?: {name, language, parameters: [Liquid...]}}}</c>.</summary>
    private Dictionary<string, WhatsAppTemplate> WhatsApp(JsonNode node, string path)
    {
        var result = new Dictionary<string, WhatsAppTemplate>(StringComparer.Ordinal);
        if (_r.Object(node, path, Keys(node)) is not { } byLocale)
        {
            return result;
        }

        foreach (var (locale, value) in byLocale)
        {
            var at = DocumentReader.Child(path, locale);
            if (!CheckLocale(locale, path) || _r.Object(value, at, ["text", "template"]) is not { } w)
            {
                continue;
            }

            var text = _r.String(w, "text", at);
            ApprovedTemplate? template = null;
            if (w.ContainsKey("template"))
            {
                var tAt = DocumentReader.Child(at, "template");
                if (_r.Object(w["template"], tAt, ["name", "language", "parameters"]) is { } t)
                {
                    var name = _r.String(t, "name", tAt, required: true);
                    var language = _r.String(t, "language", tAt, required: true);
                    var parameters = t.ContainsKey("parameters") ? _r.Strings(t, "parameters", tAt) : [];
                    if (name is not null && !TemplateNamePattern().IsMatch(name))
                    {
                        _r.Error(DocumentReader.Child(tAt, "name"), $"'{name}' is not a WhatsApp template name (lower-case letters, digits and underscores, as approved).");
                    }
                    else if (language is not null && !TemplateLanguagePattern().IsMatch(language))
                    {
                        _r.Error(DocumentReader.Child(tAt, "language"), $"'{language}' is not a WhatsApp template language code such as en, en_US or pt_BR.");
                    }
                    else if (name is not null && language is not null)
                    {
                        template = new ApprovedTemplate(name, language, parameters);
                    }
                }
            }

            if (text is null && !w.ContainsKey("template"))
            {
                _r.Error(at, "needs 'text', 'template' or both.");
            }
            else if (text is not null || template is not null)
            {
                result[locale] = new WhatsAppTemplate(text, template);
            }
        }

        return result;
    }

    private bool CheckLocale(string locale, string path)
    {
        if (LocalePattern().IsMatch(locale))
        {
            return true;
        }

        _r.Error(DocumentReader.Child(path, locale), $"'{locale}' is not a locale such as en or en-US.");
        return false;
    }

    private static List<string> Keys(JsonNode node) => node is JsonObject o ? o.Select(p => p.Key).ToList() : [];

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,63}$")]
    private static partial Regex JourneyIdPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex StepIdPattern();

    [GeneratedRegex("^[a-z]{2,3}(-[A-Z]{2})?$")]
    private static partial Regex LocalePattern();

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex TemplateNamePattern();

    [GeneratedRegex("^[a-z]{2,3}(_[A-Za-z]{2,4})?$")]
    private static partial Regex TemplateLanguagePattern();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")]
    internal static partial Regex FactPattern();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex EventNamePattern();

    [GeneratedRegex(@"^[a-z_]+(\.[a-z0-9_]+)+$")]
    private static partial Regex FieldPathPattern();
}
