using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace PxFunctions.Journeys.Templates;

/// <summary>
/// Liquid (Fluid) for journey messages and branch conditions: parse once and cache, list the variables a template
/// names so unknown ones are caught when a journey is validated (Fluid's own strict mode cannot name them), and
/// render against a JSON model with invariant culture, in UTC unless the template converts.
/// </summary>
public static partial class LiquidTemplates
{
    private static readonly FluidParser Parser = new();
    private static readonly ConcurrentDictionary<string, IFluidTemplate> Cache = new(StringComparer.Ordinal);
    private const int MaxCached = 10_000;

    /// <summary>Shared options: invariant culture, UTC, no access to .NET members beyond the JSON model.</summary>
    public static TemplateOptions Options { get; } = CreateOptions();

    /// <summary>Encoder for email HTML: escapes markup characters but keeps accented and non-Latin text readable.</summary>
    public static TextEncoder Html { get; } = HtmlEncoder.Create(UnicodeRanges.All);

    private static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions { CultureInfo = CultureInfo.InvariantCulture, TimeZone = TimeZoneInfo.Utc };

        // {{ order.delivered_at | add_days: 30 | date: "%B %-d" }}: dates a message promises ("your refill ships on ...").
        options.Filters.AddFilter("add_days", (input, args, _) =>
        {
            DateTimeOffset? date = input.ToObjectValue() switch
            {
                DateTimeOffset d => d,
                DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
                string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) => parsed,
                _ => null,
            };
            return date is { } value ? new DateTimeValue(value.AddDays((double)args.At(0).ToNumberValue())) : NilValue.Instance;
        });
        return options;
    }

    /// <summary>Parses (or takes from the cache) a template; the error has the line and column.</summary>
    public static bool TryParse(string source, out IFluidTemplate template, out string error)
    {
        if (Cache.TryGetValue(source, out template!))
        {
            error = "";
            return true;
        }

        if (!Parser.TryParse(source, out template, out error))
        {
            error = error.Split('\n')[0].Trim();
            return false;
        }

        if (Cache.Count >= MaxCached)
        {
            Cache.Clear();
        }

        Cache[source] = template;
        return true;
    }

    /// <summary>A branch condition (<c>answers.rating >= 4</c>) as a template that renders "1" when it holds.</summary>
    public static string ConditionTemplate(string condition) => "{% if " + condition + " %}1{% endif %}";

    public static string Render(IFluidTemplate template, JsonObject model, TextEncoder? encoder = null)
    {
        var context = new TemplateContext(model, Options);
        return template.Render(context, encoder ?? NullEncoder.Default);
    }

    public static bool Holds(IFluidTemplate condition, JsonObject model) => Render(condition, model) == "1";

    /// <summary>Field paths and filter names a template uses, loop and assigned locals excluded.</summary>
    public static (IReadOnlyCollection<string> Paths, IReadOnlyCollection<string> Filters) References(IFluidTemplate template)
    {
        var collector = new ReferenceCollector();
        collector.VisitTemplate(template);
        return (collector.Paths, collector.FilterNames);
    }

    /// <summary>Whether a filter exists (built-in or ours).</summary>
    public static bool IsFilter(string name) => Options.Filters.TryGetValue(name, out _);

    /// <summary>
    /// <c>order.line_items[0].title</c> → <c>order.line_items[*].title</c>; <c>.size</c>, <c>.first</c> and <c>.last</c>
    /// are Liquid's own and name no field.
    /// </summary>
    public static string Normalize(string path)
    {
        var indexed = IndexPattern().Replace(path, "[*]");
        var parts = indexed.Split('.').ToList();
        for (var i = parts.Count - 1; i > 0; i--)
        {
            if (parts[i] is "size")
            {
                parts.RemoveAt(i);
            }
            else if (parts[i] is "first" or "last")
            {
                parts[i - 1] += "[*]";
                parts.RemoveAt(i);
            }
        }

        return string.Join('.', parts);
    }

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex IndexPattern();

    /// <summary>Walks every statement and expression, resolving loop variables to the list they iterate.</summary>
    private sealed class ReferenceCollector : AstVisitor
    {
        private static readonly HashSet<string> Builtins = ["forloop", "tablerowloop", "empty", "blank", "nil", "null", "true", "false"];
        private readonly HashSet<string> _locals = new(Builtins, StringComparer.Ordinal);
        private readonly Dictionary<string, string> _loopItems = new(StringComparer.Ordinal);

        public SortedSet<string> Paths { get; } = new(StringComparer.Ordinal);
        public SortedSet<string> FilterNames { get; } = new(StringComparer.Ordinal);

        protected override Statement VisitForStatement(ForStatement forStatement)
        {
            if (forStatement.Source is MemberExpression source && PathOf(source) is { } list)
            {
                _loopItems[forStatement.Identifier] = list + "[*]";
            }
            else
            {
                _locals.Add(forStatement.Identifier);
            }

            return base.VisitForStatement(forStatement);
        }

        protected override Statement VisitAssignStatement(AssignStatement assignStatement)
        {
            _locals.Add(assignStatement.Identifier);
            return base.VisitAssignStatement(assignStatement);
        }

        protected override Statement VisitCaptureStatement(CaptureStatement captureStatement)
        {
            _locals.Add(captureStatement.Identifier);
            return base.VisitCaptureStatement(captureStatement);
        }

        protected override Expression VisitFilterExpression(FilterExpression filterExpression)
        {
            FilterNames.Add(filterExpression.Name);
            return base.VisitFilterExpression(filterExpression);
        }

        protected override Expression VisitMemberExpression(MemberExpression memberExpression)
        {
            if (PathOf(memberExpression) is { } path)
            {
                Paths.Add(path);
            }

            foreach (var indexer in memberExpression.Segments.OfType<IndexerSegment>())
            {
                Visit(indexer.Expression);
            }

            return memberExpression;
        }

        private string? PathOf(MemberExpression expression)
        {
            if (expression.Segments.Count == 0 || expression.Segments[0] is not IdentifierSegment first || _locals.Contains(first.Identifier))
            {
                return null;
            }

            var path = new StringBuilder(_loopItems.TryGetValue(first.Identifier, out var item) ? item : first.Identifier);
            foreach (var segment in expression.Segments.Skip(1))
            {
                switch (segment)
                {
                    case IdentifierSegment id:
                        path.Append('.').Append(id.Identifier);
                        break;
                    case IndexerSegment { Expression: LiteralExpression { Value: StringValue name } }:
                        path.Append('.').Append(name.ToStringValue());
                        break;
                    default:
                        path.Append("[*]");
                        break;
                }
            }

            return path.ToString();
        }
    }
}
