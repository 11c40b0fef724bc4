namespace PxFunctions.Channels.Metrics;

/// <summary>
/// Every PX metric and its one-line definition (the API's <c>definitions</c>, the README's table). Counters are
/// summed over the days asked for; rates are computed from the summed counters, never averaged over days.
/// </summary>
public static class MetricDefinitions
{
    // Declared before the counters, which are built from them (static fields initialise in order).
    /// <summary>The counters kept per channel (<c>{counter}_{channel}</c>), each a part of its total.</summary>
    public static readonly IReadOnlyList<string> PerChannel = ["messages_sent", "messages_delivered", "replies", "opt_outs"];

    private static readonly Dictionary<string, string> ChannelTitles = new()
    {
        [Journeys.Definitions.ChannelNames.Sms] = "SMS",
        [Journeys.Definitions.ChannelNames.WhatsApp] = "WhatsApp",
        [Journeys.Definitions.ChannelNames.Email] = "email",
        [Journeys.Definitions.ChannelNames.WebChat] = "the web chat",
    };

    /// <summary>Counters kept in the aggregate rows, each with its definition.</summary>
    public static readonly IReadOnlyDictionary<string, string> Counters = WithChannels(new Dictionary<string, string>
    {
        ["journeys_started"] = "Journey instances started (one per order line that matched a journey), by the day they started.",
        ["messages_sent"] = "Messages a journey sent to a customer and the channel accepted (SMS, WhatsApp, email, chat), by the day sent.",
        ["messages_suppressed"] = "Journey messages not sent on purpose (no consent, opted out, journey terminated).",
        ["messages_delivered"] = "Sent messages the provider reported delivered (SMS delivery report, WhatsApp delivered or read, email Delivered/Expanded), by the day reported.",
        ["questions_asked"] = "Messages sent that ask the customer a question.",
        ["replies"] = "Customer replies routed to a journey (SMS, WhatsApp, email and chat replies, and email answer links that reached a running journey; keywords such as STOP are not replies).",
        ["link_clicks"] = "Answer-link clicks by customers on journey emails: a confirmed click (POST; opening the link counts nothing), once per link, for the journey of its message.",
        ["answers"] = "Questions answered by the customer (a fact/answer recorded by the journey; per ask step in the API's questions).",
        ["opt_outs"] = "Opt-outs by customers, once per opt-out event: STOP and its synonyms by SMS, WhatsApp or chat (for the journey of the latest journey message to the address), email unsubscribe links (once per link, for the journey of its message).",
        ["auto_answers"] = "Customers' questions and problems answered from a knowledge base (answers sent, once per message), without a person.",
        ["handoffs"] = "Conversations handed to the team by a journey (support tickets; the customer's later messages to a ticket are not new ones).",
        ["handoffs_closed"] = "Handoffs an agent closed (once per handoff, however often it is closed), by the day closed.",
        ["handoff_close_seconds"] = "Sum of the seconds from handoff to close over closed handoffs, on the day closed.",
        ["orders_attributed"] = "Orders by a customer within the attribution window after a journey message to them, attributed to that journey.",
        ["revenue_attributed_minor"] = "Total of attributed orders in minor currency units (cents).",
        ["repeat_customers"] = "Customers with a later order within the attribution window after a journey message (once per customer, journey and day).",
        ["reorders_reached"] = "Reorders a journey waited for: a goal step on the reorder event reached, or an exit on it taken (once per journey and step, by the day reached).",
        ["ratings"] = "Ratings (1 to 5) customers gave in answer to a rating question.",
        ["ratings_5"] = "Ratings of 5.",
        ["reviews_reached"] = "Reviews a journey waited for: a goal step on the review event reached, or an exit on it taken (once per journey and step, by the day reached).",
        ["goals_reached"] = "Goal steps reached (their business event came within the step's time), any event, once per journey and step.",
        ["goals_missed"] = "Goal steps whose time passed without their event, once per journey and step, by the day missed.",
        ["refunds"] = "Journeys ended by a refund of their order line (refunds/create, WooCommerce refunded, order.refunded), once per journey; the journey's outcome is refunded.",
        ["referrals_issued"] = "Journey messages sent with the customer's referral link (links.referral), once per message.",
        ["referrals_clicked"] = "Referral links opened (GET /api/ref/{token}), once per link and UTC day.",
        ["referrals_converted"] = "Orders that came through a referral link (its px_ref code on the order's landing page), once per order, attributed to the referring journey; the referrer's own orders are not counted.",
    });


    /// <summary>The name of a counter's part for one channel (<c>replies_whatsapp</c>).</summary>
    public static string ForChannel(string counter, string channel) => counter + "_" + channel;


    /// <summary>Adds, after each of <see cref="PerChannel"/>, its part on every channel.</summary>
    private static Dictionary<string, string> WithChannels(Dictionary<string, string> counters)
    {
        var result = new Dictionary<string, string>();
        foreach (var (name, definition) in counters)
        {
            result[name] = definition;
            if (PerChannel.Contains(name))
            {
                foreach (var channel in Journeys.Definitions.ChannelNames.All.Where(c => name != "messages_delivered" || c != Journeys.Definitions.ChannelNames.WebChat))
                {
                    result[ForChannel(name, channel)] = $"{name} by {ChannelTitles[channel]}.";
                }
            }
        }

        return result;
    }

    /// <summary>Metrics computed from the counters, with their definitions.</summary>
    public static readonly IReadOnlyDictionary<string, string> Derived = new Dictionary<string, string>
    {
        ["reply_rate"] = "replies / messages_sent (0..1).",
        ["link_click_rate"] = "link_clicks / messages_sent_email (0..1).",
        ["answer_rate"] = "answers / questions_asked (0..1).",
        ["opt_outs_per_1000_messages"] = "opt_outs * 1000 / messages_sent.",
        ["handoffs_per_100_journeys"] = "handoffs * 100 / journeys_started.",
        ["self_service_rate"] = "auto_answers / (auto_answers + handoffs) (0..1): the share of support the platform gave itself.",
        ["handoff_close_hours_avg"] = "handoff_close_seconds / handoffs_closed / 3600: mean hours from handoff to close.",
        ["revenue_attributed"] = "revenue_attributed_minor / 100: attributed revenue in the shop's currency.",
        ["five_star_rate"] = "ratings_5 / ratings (0..1).",
        ["delivery_rate"] = "messages_delivered / messages_sent (0..1).",
        ["reply_rate_sms"] = "replies_sms / messages_sent_sms (0..1).",
        ["reply_rate_whatsapp"] = "replies_whatsapp / messages_sent_whatsapp (0..1).",
        ["reply_rate_email"] = "replies_email / messages_sent_email (0..1).",
        ["reply_rate_webchat"] = "replies_webchat / messages_sent_webchat (0..1).",
    };

    public static IEnumerable<string> Names => Counters.Keys.Concat(Derived.Keys);

    /// <summary>Every metric of a set of summed counters, rates 0 when their denominator is 0.</summary>
    public static Dictionary<string, double> Compute(IReadOnlyDictionary<string, long> sums)
    {
        double C(string name) => sums.TryGetValue(name, out var v) ? v : 0;
        static double Ratio(double a, double b) => b == 0 ? 0 : a / b;
        var values = Counters.Keys.ToDictionary(k => k, C);
        values["reply_rate"] = Ratio(C("replies"), C("messages_sent"));
        values["link_click_rate"] = Ratio(C("link_clicks"), C("messages_sent_email"));
        values["answer_rate"] = Ratio(C("answers"), C("questions_asked"));
        values["opt_outs_per_1000_messages"] = Ratio(C("opt_outs") * 1000, C("messages_sent"));
        values["handoffs_per_100_journeys"] = Ratio(C("handoffs") * 100, C("journeys_started"));
        values["self_service_rate"] = Ratio(C("auto_answers"), C("auto_answers") + C("handoffs"));
        values["handoff_close_hours_avg"] = Ratio(C("handoff_close_seconds"), C("handoffs_closed") * 3600);
        values["revenue_attributed"] = C("revenue_attributed_minor") / 100;
        values["five_star_rate"] = Ratio(C("ratings_5"), C("ratings"));
        values["delivery_rate"] = Ratio(C("messages_delivered"), C("messages_sent"));
        foreach (var channel in Journeys.Definitions.ChannelNames.All)
        {
            values["reply_rate_" + channel] = Ratio(C(ForChannel("replies", channel)), C(ForChannel("messages_sent", channel)));
        }

        return values;
    }
}
