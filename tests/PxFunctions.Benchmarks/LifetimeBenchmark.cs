using System.Globalization;
using System.Text.Json.Nodes;
using PxFunctions.Configuration;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Journeys.Simulation;

namespace PxFunctions.Benchmarks;

/// <summary>
/// The <c>lifetime</c> benchmark (issue 12): storage transactions, and dollars, per 1,000 journeys of each shipped
/// example over its whole life. Two parts, both printed: what a journey does in its life — the shipped definition run
/// by the journey simulator (the runtime's interpreter on a virtual clock) for a customer who never answers and for
/// one who does — counted as starts, sends, timer fires, 3-day timer links, events, team records and executions; and
/// what each of those costs, measured in this run on the engine with the shipped defaults (the <c>journeys</c>
/// benchmark's breakdown by request kind). Cost = counts × unit costs; the formulas are in the output.
/// </summary>
internal static class LifetimeBenchmark
{
    public static async Task<JsonObject> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        // Prices per 10,000 transactions; see the README for where they come from and check them for your region.
        var queuePrice = Price(args, 0, 0.004);
        var tablePrice = Price(args, 1, 0.00036);
        Progress.Write("lifetime: measuring unit costs with the shipped defaults (journeys benchmark, 500 waiting, 100 steppers every 40 s)");
        var measured = await JourneysBenchmark.RunAsync(new JourneysBenchmarkOptions(500, 100, 40, 40, DurableSettings.DefaultPartitions, new DurableSettings().ExtendedSessions, 1), cancellationToken);
        var units = UnitCosts.From(measured);

        var lifetimes = new JsonArray();
        double totalQueue = 0, totalTable = 0;
        var journeys = 0;
        foreach (var (journey, scenario, replies, events) in Scenarios())
        {
            var counts = await CountAsync(journey, replies, events);
            var (queue, table) = units.Of(counts);
            totalQueue += queue;
            totalTable += table;
            journeys++;
            lifetimes.Add(new JsonObject
            {
                ["journey"] = journey,
                ["customer"] = scenario,
                ["days"] = Math.Round(counts.Days, 1),
                ["outcome"] = counts.Outcome,
                ["counts"] = counts.ToJson(),
                ["tx_per_journey"] = Math.Round(queue + table, 1),
                ["tx_per_1000_journeys"] = Math.Round((queue + table) * 1000),
                ["usd_per_1000_journeys"] = Math.Round(((queue * queuePrice) + (table * tablePrice)) * 1000 / 10_000, 4),
            });
        }

        return new JsonObject
        {
            ["benchmark"] = "lifetime",
            ["unit_costs_tx"] = units.ToJson(),
            ["unit_costs_from"] = new JsonObject
            {
                ["steps_per_s"] = measured["steps_per_s"]?.DeepClone(),
                ["storage_tx_per_step"] = measured["storage_tx_per_step"]?.DeepClone(),
                ["start_tx_per_journey"] = measured["start_tx_per_journey"]?.DeepClone(),
                ["settings"] = measured["settings"]?.DeepClone(),
            },
            ["prices_usd_per_10000"] = new JsonObject { ["queue"] = queuePrice, ["table"] = tablePrice },
            // Not per journey: each worker polls its control queues and the work-item queue, backing off to the
            // maximum polling interval when idle (and polling every 50-100 ms for a while after work arrives).
            ["idle_polls_per_worker_day"] = Math.Round((DurableSettings.DefaultPartitions + 1) * TimeSpan.FromDays(1) / DurableSettings.DefaultMaxQueuePollingInterval),
            ["idle_usd_per_worker_month"] = Math.Round((DurableSettings.DefaultPartitions + 1) * TimeSpan.FromDays(30) / DurableSettings.DefaultMaxQueuePollingInterval * queuePrice / 10_000, 2),
            ["empty_polls_per_s_under_load"] = measured["empty_polls_per_s"]?.DeepClone(),
            ["lifetimes"] = lifetimes,
            ["mean_tx_per_1000_journeys"] = Math.Round((totalQueue + totalTable) * 1000 / journeys),
            ["mean_usd_per_1000_journeys"] = Math.Round(((totalQueue * queuePrice) + (totalTable * tablePrice)) * 1000 / 10_000 / journeys, 4),
        };
    }

    private static double Price(string[] args, int i, double fallback) =>
        args.Length > i && double.TryParse(args[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;

    /// <summary>Each example with a customer who never answers, and one who does (the replies of the example tests).</summary>
    private static IEnumerable<(string Journey, string Scenario, ScriptedReply[] Replies, ScriptedEvent[] Events)> Scenarios()
    {
        var delivered = new ScriptedEvent("delivered", TimeSpan.FromDays(2), null);
        yield return ("skincare-serum", "silent", [], [delivered]);
        yield return ("skincare-serum", "engaged", [new ScriptedReply("5 stars!", "results-check", TimeSpan.FromHours(2), null)], [delivered, new ScriptedEvent("reorder", TimeSpan.FromDays(55), null)]);
        yield return ("coffee-machine", "silent", [], [delivered]);
        yield return ("coffee-machine", "engaged",
            [new ScriptedReply("3", "setup-check", TimeSpan.FromHours(3), null), new ScriptedReply("yes", "warranty", TimeSpan.FromHours(1), null), new ScriptedReply("done", "descale-reminder", TimeSpan.FromDays(1), null)],
            [delivered]);
        yield return ("supplement-subscription", "silent", [], []);
        yield return ("supplement-subscription", "engaged",
            [new ScriptedReply("yes", "habit-check", TimeSpan.FromHours(4), null), new ScriptedReply("5", "energy-check", TimeSpan.FromHours(1), null)],
            [new ScriptedEvent("renewal", TimeSpan.FromDays(60), null)]);
    }

    private static async Task<LifetimeCounts> CountAsync(string journey, ScriptedReply[] replies, ScriptedEvent[] events)
    {
        var (definition, errors) = JourneyValidator.Validate(File.ReadAllText(Path.Combine(ExampleJourneyLoader.ExamplesFolder, journey + ".yaml")));
        if (definition is null)
        {
            throw new InvalidOperationException($"{journey}: " + string.Join("; ", errors.Select(e => e.Path + " " + e.Message)));
        }

        var counts = new LifetimeCounts();
        var timersSet = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        string? stage = null;
        var maximum = DurableSettings.DefaultMaximumTimerInterval;
        var start = DateTimeOffset.Parse("2026-03-03T10:00:00Z", CultureInfo.InvariantCulture);
        // No send rules: the counts are what the journey orders (a held message would add one send and one timer per hold).
        var result = await JourneySimulator.RunAsync(definition, 1, SimulationRequest.WithProduct(Order(), definition), replies, events, start, TimeSpan.FromDays(400), rules: null, (e, transition) =>
        {
            switch (e.Kind)
            {
                case JourneyEventKind.Timer:
                    counts.TimerFires++;
                    if (timersSet.Remove(e.Name, out var set))
                    {
                        // A wait longer than the maximum timer interval is a chain of timers, one episode per link.
                        counts.TimerLinks += Math.Max(0, (int)Math.Ceiling((e.At - set) / maximum) - 1);
                    }

                    break;
                case JourneyEventKind.External:
                    counts.Events++;
                    break;
            }

            foreach (var effect in transition.Effects)
            {
                switch (effect)
                {
                    case SendToCustomer:
                        counts.Sends++;
                        break;
                    case RecordForTeam:
                        counts.Records++;
                        break;
                    case StartTimer timer:
                        timersSet[timer.Name] = e.At;
                        break;
                    case CancelTimer cancel:
                        timersSet.Remove(cancel.Name);
                        break;
                }
            }

            if (stage is not null && transition.State.Stage != stage)
            {
                counts.Executions++;
            }

            stage = transition.State.Stage;
        });
        counts.Days = (result.End - start).TotalDays;
        counts.Outcome = result.Outcome ?? result.Status;
        return counts;
    }

    /// <summary>The sample order the example tests use: a New York customer with a phone and an email.</summary>
    private static JsonObject Order() => new()
    {
        ["customer"] = new JsonObject { ["id"] = "cust-1", ["first_name"] = "Maya", ["email"] = "maya@example.com", ["phone"] = "+14155550123", ["locale"] = "en-US", ["time_zone"] = "America/New_York" },
        ["order"] = new JsonObject
        {
            ["id"] = "5001",
            ["processed_at"] = "2026-03-02T14:00:00Z",
            ["fulfilled_at"] = "2026-03-03T10:00:00Z",
            ["line_items"] = new JsonArray
            {
                new JsonObject { ["id"] = "9001", ["sku"] = "SERUM-C-30", ["title"] = "Vitamin C Serum", ["quantity"] = 1, ["price"] = "48.00" },
                new JsonObject { ["id"] = "9002", ["sku"] = "BARISTA-PRO", ["title"] = "Barista Pro", ["product_type"] = "Espresso Machine", ["quantity"] = 1, ["price"] = "649.00" },
                new JsonObject { ["id"] = "9003", ["sku"] = "GREENS-30", ["title"] = "Daily Greens", ["quantity"] = 2, ["price"] = "39.00", ["tags"] = new JsonArray("subscription") },
            },
        },
        ["brand"] = new JsonObject { ["name"] = "Glow Labs", ["store_url"] = "https://glowlabs.example" },
        ["links"] = new JsonObject { ["reorder"] = "https://glowlabs.example/cart/8001:1", ["review"] = "https://glowlabs.example/review/5001" },
    };

    private sealed class LifetimeCounts
    {
        public int Sends;
        public int TimerFires;
        public int TimerLinks;
        public int Events;
        public int Records;
        public int Executions = 1;
        public double Days;
        public string? Outcome;

        public JsonObject ToJson() => new()
        {
            ["starts"] = 1,
            ["sends"] = Sends,
            ["timer_fires"] = TimerFires,
            ["timer_links_3d"] = TimerLinks,
            ["events"] = Events,
            ["team_records"] = Records,
            ["executions"] = Executions,
        };
    }

    /// <summary>Storage transactions of each thing a journey does, split queue/table, from one journeys run's breakdown.</summary>
    private sealed record UnitCosts(
        (double Queue, double Table) Start,
        (double Queue, double Table) SendStep,
        (double Queue, double Table) TimerEpisode,
        (double Queue, double Table) Activity,
        (double Queue, double Table) Event)
    {
        public static UnitCosts From(JsonObject measured)
        {
            var kinds = measured["storage_tx_per_step_by_kind"]!.AsObject().ToDictionary(k => k.Key, k => (double)k.Value!);
            double K(string kind) => kinds.GetValueOrDefault(kind);
            double Sum(Func<string, bool> match) => kinds.Where(k => match(k.Key)).Sum(k => k.Value);

            // A send step is two episodes (the timer fires and asks for the send; the send's result sets the next
            // timer) and one activity. One episode's share of the engine's control-queue and table work is half of
            // the step's; a timer that fires after days finds no session, so it reads the history (1 query).
            // Receives that found something; the empty ones are idle polling, a cost per worker (below), not per journey.
            var episodeQueue = (K("engine queue control put") + K("engine queue control delete") + K("engine queue control receive")) / 2;
            var episodeTable = (K("engine table batch") + K("engine table instances merge")) / 2;
            var timer = (episodeQueue, episodeTable + 1);
            var workItems = K("engine queue workitems put") + K("engine queue workitems receive") + K("engine queue workitems delete");

            // An activity with one storage call of its own (a team record's insert, an execution's load of the context).
            var activity = (workItems + episodeQueue, episodeTable + 1);
            var step = (Sum(k => k.Contains(" queue ", StringComparison.Ordinal) && !k.EndsWith("(empty)", StringComparison.Ordinal)), Sum(k => k.Contains(" table ", StringComparison.Ordinal)));

            // An event: an episode like a timer's, the raise (a status read and the message), and the inbound side's
            // own calls (conversation lookup, the text kept, the dedupe record): 3 table requests.
            var externalEvent = (episodeQueue + 1, episodeTable + 1 + 1 + 3);
            var start = ((double)measured["start_tx_per_journey_queue"]!, (double)measured["start_tx_per_journey_table"]!);
            return new UnitCosts(start, step, timer, activity, externalEvent);
        }

        public (double Queue, double Table) Of(LifetimeCounts c)
        {
            // A send step includes its timer episode; a send without a timer before it (an answer, the first message)
            // costs the same (an episode plus the activity), so every send is priced as a step. Timer fires that are
            // not followed by a send, links of long timers, events, records and the executions' loads add to that.
            var plainTimers = Math.Max(0, c.TimerFires - c.Sends) + c.TimerLinks;
            var activities = c.Records + c.Executions;
            return (
                Start.Queue + (c.Sends * SendStep.Queue) + (plainTimers * TimerEpisode.Queue) + (activities * Activity.Queue) + (c.Events * Event.Queue),
                Start.Table + (c.Sends * SendStep.Table) + (plainTimers * TimerEpisode.Table) + (activities * Activity.Table) + (c.Events * Event.Table));
        }

        public JsonObject ToJson() => new()
        {
            ["start"] = Round(Start),
            ["send_step"] = Round(SendStep),
            ["timer_episode"] = Round(TimerEpisode),
            ["activity"] = Round(Activity),
            ["event"] = Round(Event),
        };

        private static JsonObject Round((double Queue, double Table) cost) => new() { ["queue"] = Math.Round(cost.Queue, 2), ["table"] = Math.Round(cost.Table, 2) };
    }
}
