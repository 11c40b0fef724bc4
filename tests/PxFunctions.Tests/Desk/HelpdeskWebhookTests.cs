using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Desk;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Configuration;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Tests.Channels;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Desk;

/// <summary>
/// The helpdesk webhook to a receiver on loopback (real HTTP, the real queue and dispatcher): each handoff event
/// arrives signed (HMAC-SHA256 over <c>{t}.{body}</c>) in the Zendesk or Gorgias ticket shape, once per event id
/// although records are delivered twice and the receiver fails; after the last attempt the event is poison.
/// </summary>
public sealed class HelpdeskWebhookTests(StorageFixture storage)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private sealed record Customer(string Instance, string Id, string Reference, DateTimeOffset Opened);

    /// <summary>An instance with a purchase (Rita's name and address) and a stored customer text, as a journey would leave them.</summary>
    private static async Task<Customer> CustomerAsync(ChannelHarness h)
    {
        var instance = "shop.example:o" + Guid.NewGuid().ToString("N")[..12] + ":l1";
        var id = "cust-" + instance[13..19];
        var opened = DateTimeOffset.UtcNow.AddMinutes(-1);
        var customer = new JsonObject { ["id"] = id, ["first_name"] = "Rita", ["last_name"] = "Moreno", ["email"] = "rita@example.com", ["phone"] = "+14155550171" };
        await h.Host.Services.GetRequiredService<IJourneyContexts>().SaveAsync(instance, new JourneyInput(DeskHarness.Journey, 1, customer, [], [], [], []), None);
        var texts = h.Host.Services.GetRequiredService<JourneyTexts>();
        await texts.SaveAsync(instance, "customer:0", new JourneyText("customer", "sms", "3", opened.AddSeconds(-5)), None);
        var reference = await texts.SaveAsync(instance, "customer:1", new JourneyText("customer", "sms", "It leaks from the bottom", opened.AddSeconds(10)), None);
        return new Customer(instance, id, reference, opened);
    }

    private static TeamRecord Record(Customer c, string action, string reason, DateTimeOffset at, string? textRef = null, DateTimeOffset? since = null) =>
        new(JourneyChannels.Handoff, c.Id, DeskHarness.Journey, "leak-handoff", action, reason, null, null, textRef, at, Since: since);

    /// <summary>Open, a customer message, a close, as the record activity hands them on: each twice, then the open and the message again after the close.</summary>
    private static async Task RecordTwiceAsync(ChannelHarness h, Customer c)
    {
        var records = h.Host.Services.GetRequiredService<ITeamRecords>();
        var open = Record(c, HandoffAction.Open, "Water or leak reported during setup", c.Opened);
        var reply = Record(c, HandoffAction.CustomerReply, "customer replied", c.Opened.AddSeconds(10), c.Reference);
        var close = Record(c, HandoffAction.Closed, "closed by an agent", c.Opened.AddSeconds(20), since: c.Opened);
        await records.AddAsync(c.Instance, c.Instance + "/r1", open, None);
        await records.AddAsync(c.Instance, c.Instance + "/r1", open, None);
        await records.AddAsync(c.Instance, c.Instance + "/r2", reply, None);
        await records.AddAsync(c.Instance, c.Instance + "/r2", reply, None);
        await records.AddAsync(c.Instance, c.Instance + "/r3", close, None);
        await records.AddAsync(c.Instance, c.Instance + "/r1", open, None);
        await records.AddAsync(c.Instance, c.Instance + "/r2", reply, None);
    }

    /// <summary>Waits until the helpdesk queue is empty (visible and hidden messages alike).</summary>
    private static Task DrainedAsync(ChannelHarness h) =>
        Eventually.TrueAsync(async () => (await h.Host.Storage.Queue(HelpdeskOutbox.Queue).GetPropertiesAsync(None)).Value.ApproximateMessagesCount == 0, "the helpdesk queue to drain", 60_000);

    [Fact]
    public async Task Zendesk_RecordsDeliveredTwice_OneHandoffThatStaysClosed_EachEventOnceSignedInTheTicketShape()
    {
        await using var helpdesk = await HelpdeskDouble.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await DeskHarness.StartAsync(storage, helpdesk, "zendesk");
        var c = await CustomerAsync(h);
        await RecordTwiceAsync(h, c);

        // One handoff, closed by the agent's close, its last customer message counted once; the late open reopened nothing.
        var handoff = Assert.Single(await h.Host.Services.GetRequiredService<HandoffIndex>().ForInstanceAsync(c.Instance, None));
        Assert.Equal((HandoffStatus.Closed, HandoffClosedBy.Agent, "Unboxing", 1), (handoff.Status, handoff.ClosedBy, handoff.Stage, handoff.Version));
        Assert.Equal(c.Opened.AddSeconds(10), handoff.LastCustomerMessageAt);
        Assert.Equal(c.Opened.AddSeconds(20), handoff.ClosedAt);
        Assert.Equal(HandoffIndex.Truncate(c.Opened) + TimeSpan.FromHours(24), handoff.ResumesAt);

        await Eventually.TrueAsync(() => helpdesk.Accepted.Count == 3, "opened, the customer's message and closed at the helpdesk", 60_000);
        await DrainedAsync(h);
        Assert.Equal(0, helpdesk.Duplicates);
        Assert.Equal(3, helpdesk.Requests.Count);
        Assert.All(helpdesk.Requests, r => Assert.True(r.SignatureValid, "signature " + r.Signature));
        Assert.All(helpdesk.Requests, r => Assert.True(Math.Abs((DateTimeOffset.UtcNow - r.SignedAt).TotalMinutes) < 5));
        var byKind = helpdesk.Accepted.Values.ToDictionary(d => d.Kind!);
        Assert.Equal([HelpdeskEventKind.Closed, HelpdeskEventKind.CustomerMessage, HelpdeskEventKind.Opened], byKind.Keys.Order(StringComparer.Ordinal));

        var opened = byKind[HelpdeskEventKind.Opened].Body!["ticket"]!;
        Assert.Equal($"px:{c.Instance}:{HandoffIndex.Truncate(c.Opened).ToUnixTimeMilliseconds()}", (string?)opened["external_id"]);
        Assert.Equal(("new", "Rita Moreno", "rita@example.com"), ((string?)opened["status"], (string?)opened["requester"]!["name"], (string?)opened["requester"]!["email"]));
        Assert.StartsWith("Water or leak reported during setup", (string?)opened["subject"], StringComparison.Ordinal);
        Assert.False((bool?)opened["comment"]!["public"]);
        // The conversation up to the handoff: the customer's "3", not what they wrote after it.
        Assert.Contains("Customer (sms, ", (string?)opened["comment"]!["body"], StringComparison.Ordinal);
        Assert.EndsWith("): 3", (string?)opened["comment"]!["body"], StringComparison.Ordinal);
        Assert.DoesNotContain("It leaks from the bottom", (string?)opened["comment"]!["body"], StringComparison.Ordinal);
        Assert.Equal(["px", "px-journey-coffee-machine", "px-stage-unboxing", "px-step-leak-handoff"], opened["tags"]!.AsArray().Select(t => (string)t!));
        var message = byKind[HelpdeskEventKind.CustomerMessage].Body!["ticket"]!;
        Assert.Equal(("open", "It leaks from the bottom", true), ((string?)message["status"], (string?)message["comment"]!["body"], (bool?)message["comment"]!["public"]));
        var closed = byKind[HelpdeskEventKind.Closed].Body!["ticket"]!;
        Assert.Equal("solved", (string?)closed["status"]);
        Assert.All(helpdesk.Accepted.Values, d => Assert.Equal((string?)opened["external_id"], (string?)d.Body!["ticket"]!["external_id"]));
    }

    [Fact]
    public async Task Gorgias_FromARealJourney_EveryEventSignedInTheTicketShape()
    {
        await using var helpdesk = await HelpdeskDouble.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await DeskHarness.StartAsync(storage, helpdesk, "gorgias");
        const string phone = "+14155550172";
        var id = await DeskHarness.LeakAsync(h, "Eve", phone);
        Assert.Equal(HttpStatusCode.Created, (await DeskHarness.PostAsync(h.Host, $"/api/admin/handoffs/{id}/notes", """{"text":"Gasket on back order","author":"Dana"}""")).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await DeskHarness.PostAsync(h.Host, $"/api/admin/handoffs/{id}/reply", """{"text":"A new gasket ships today."}""")).Status);
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == phone && s.Message == "A new gasket ships today."), "the agent's answer by SMS", 60_000);
        Assert.Equal(HttpStatusCode.Accepted, (await DeskHarness.PostAsync(h.Host, $"/api/admin/handoffs/{id}/close", null)).Status);
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == phone && s.Message.StartsWith("Want us to register", StringComparison.Ordinal)), "the warranty question", 60_000);

        await Eventually.TrueAsync(() => helpdesk.Accepted.Count == 4, "opened, the note, the answer and closed at the helpdesk", 60_000);
        await DrainedAsync(h);
        Assert.Equal(0, helpdesk.Duplicates);
        Assert.All(helpdesk.Requests, r => Assert.True(r.SignatureValid));
        var byKind = helpdesk.Accepted.Values.ToDictionary(d => d.Kind!, d => d.Body!);
        foreach (var ticket in byKind.Values)
        {
            Assert.Equal(("sms", "api", false), ((string?)ticket["channel"], (string?)ticket["via"], (bool?)ticket["from_agent"]));
            Assert.Equal(("eve@example.com", "Eve Lopez"), ((string?)ticket["customer"]!["email"], (string?)ticket["customer"]!["name"]));
            Assert.StartsWith("px:" + id + ":", (string?)ticket["external_id"], StringComparison.Ordinal);
            Assert.Contains(ticket["tags"]!.AsArray(), t => (string?)t!["name"] == "px-journey-coffee-machine");
            var only = Assert.Single(ticket["messages"]!.AsArray())!;
            Assert.Equal("api", (string?)only["via"]);
            Assert.StartsWith("evt_", (string?)only["external_id"], StringComparison.Ordinal);
        }

        Assert.Equal("internal-note", (string?)byKind[HelpdeskEventKind.Opened]["messages"]![0]!["channel"]);
        var note = byKind[HelpdeskEventKind.Note]["messages"]![0]!;
        Assert.Equal(("internal-note", false, "Note by Dana: Gasket on back order"), ((string?)note["channel"], (bool?)note["public"], (string?)note["body_text"]));
        var answer = byKind[HelpdeskEventKind.AgentReply]["messages"]![0]!;
        Assert.Equal(("sms", true, true, "A new gasket ships today."), ((string?)answer["channel"], (bool?)answer["from_agent"], (bool?)answer["public"], (string?)answer["body_text"]));
        Assert.Equal("open", (string?)byKind[HelpdeskEventKind.AgentReply]["status"]);
        Assert.Equal("closed", (string?)byKind[HelpdeskEventKind.Closed]["status"]);
        await h.Host.Services.GetRequiredService<IJourneyInstances>().TerminateAsync(id, "test over", None);
    }

    [Fact]
    public async Task Helpdesk_AnsweringFiveHundred_IsRetriedWithBackOff_EachEventArrivesOnce()
    {
        await using var helpdesk = await HelpdeskDouble.StartAsync(TestContext.Current.CancellationToken);
        foreach (var _ in Enumerable.Range(0, 4))
        {
            helpdesk.NextStatuses.Enqueue(500);
        }

        await using var h = await DeskHarness.StartAsync(storage, helpdesk, "zendesk");
        var c = await CustomerAsync(h);
        await RecordTwiceAsync(h, c);

        await Eventually.TrueAsync(() => helpdesk.Accepted.Count == 3, "every event at the helpdesk after the failures", 60_000);
        await DrainedAsync(h);
        Assert.Equal(4, helpdesk.Requests.Count(r => r.Status == 500));
        Assert.Equal(3, helpdesk.Requests.Count(r => r.Status == 200));
        Assert.Equal(0, helpdesk.Duplicates);
        // Each failed event came again with the same id, signed afresh.
        Assert.All(helpdesk.Requests.Where(r => r.Status == 500), r => Assert.Contains(r.EventId!, helpdesk.Accepted.Keys));
        Assert.Empty(await h.Host.Services.GetRequiredService<Triggers.PoisonMessageStore>().ListAsync(10, None));
    }

    [Fact]
    public async Task Helpdesk_DownForEveryAttempt_EventIsPoisoned_WithoutPersonalData()
    {
        await using var helpdesk = await HelpdeskDouble.StartAsync(TestContext.Current.CancellationToken);
        helpdesk.AlwaysFail = true;
        await using var h = await DeskHarness.StartAsync(storage, helpdesk, "gorgias", new Dictionary<string, string?> { [SettingNames.HelpdeskMaxAttempts] = "3" });
        var c = await CustomerAsync(h);
        await h.Host.Services.GetRequiredService<ITeamRecords>().AddAsync(c.Instance, c.Instance + "/r1", Record(c, HandoffAction.Open, "Water or leak reported during setup", c.Opened), None);

        JsonNode? poisoned = null;
        await Eventually.TrueAsync(
            async () => (poisoned = (await TestCustomers.AdminJsonAsync(h.Host, "/api/admin/poison")).AsArray().FirstOrDefault(p => (string?)p!["function"] == "DeliverHelpdeskEvent")) is not null,
            "the event in the poison messages",
            60_000);
        Assert.Equal(3, helpdesk.Requests.Count);
        Assert.Equal(3, (int?)poisoned!["dequeueCount"]);
        Assert.Contains("500", (string?)poisoned["reason"], StringComparison.Ordinal);
        var message = (string)poisoned["message"]!;
        Assert.Equal(c.Instance, (string?)JsonNode.Parse(message)!["instanceId"]);
        foreach (var personal in new[] { "Rita", "Moreno", "rita@example.com", "+14155550171", "4155550171", "It leaks" })
        {
            Assert.DoesNotContain(personal, message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(personal, (string)poisoned["reason"]!, StringComparison.OrdinalIgnoreCase);
        }
    }
}
