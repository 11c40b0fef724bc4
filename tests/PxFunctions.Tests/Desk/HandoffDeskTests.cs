using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Inbound;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Desk;

/// <summary>
/// The handoff desk's admin API over real HTTP, against journeys on the real Durable engine and the ACS double: a
/// coffee-machine customer reports a leak, the desk lists them, an agent takes the handoff, notes it, answers by SMS
/// and closes it, and the journey goes on; bad input is a problem naming the field.
/// </summary>
public sealed class HandoffDeskTests(StorageFixture storage)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Desk_LeakReported_ListedThenAssignedNotedAnsweredAndClosed_JourneyGoesOn()
    {
        await using var h = await DeskHarness.StartAsync(storage);
        const string phone = "+14155550161";
        var id = await DeskHarness.LeakAsync(h, "Ana", phone);

        // Listed: where the journey was, why, the first name only, the SLA clock (4 hours by default).
        var listed = Assert.Single(await DeskHarness.OpenAsync(h.Host), x => (string?)x["instanceId"] == id);
        Assert.Equal(("open", "coffee-machine", 1, "Unboxing", "leak-handoff"), ((string?)listed["status"], (string?)listed["journeyId"], (int?)listed["version"], (string?)listed["stage"], (string?)listed["step"]));
        Assert.Equal("Water or leak reported during setup", (string?)listed["reason"]);
        Assert.Equal("Ana", (string?)listed["customerName"]);
        Assert.StartsWith("cust-Ana", (string?)listed["customerKey"], StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromHours(4), listed["slaDueAt"]!.GetValue<DateTimeOffset>() - listed["openedAt"]!.GetValue<DateTimeOffset>());
        Assert.False((bool?)listed["slaBreached"]);
        Assert.Equal("sms", (string?)listed["lastCustomerChannel"]);
        Assert.NotNull(listed["lastCustomerMessageAt"]);
        Assert.Null(listed["assignee"]);
        Assert.DoesNotContain(phone, listed.ToJsonString(), StringComparison.Ordinal);

        // One handoff: the conversation (the customer's "my machine leaks", the journey's question and acknowledgement), the addresses.
        var one = await DeskHarness.GetAsync(h.Host, id);
        Assert.Equal(phone, (string?)one["customer"]!["phone"]);
        Assert.Equal("agent", (string?)one["journey"]!["customStatus"]!["waitingFor"]);
        var said = one["conversation"]!.AsArray();
        Assert.Contains(said, c => (string?)c!["from"] == "customer" && (string?)c["text"] == "my machine leaks");
        Assert.Contains(said, c => (string?)c!["from"] == "journey" && ((string?)c["text"])!.StartsWith("Hi Ana! How's setup going", StringComparison.Ordinal));
        Assert.Contains(said, c => (string?)c!["from"] == "journey" && ((string?)c["text"])!.StartsWith("Sorry to hear that", StringComparison.Ordinal));
        var times = said.Select(c => c!["at"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(times.Order(), times);

        // Assign: the list filters by agent.
        var (assigned, assignee) = await DeskHarness.PostAsync(h.Host, $"/api/admin/handoffs/{id}/assign", """{"agent":"dana@glowlabs.example"}""");
        Assert.Equal(HttpStatusCode.OK, assigned);
        Assert.Equal("dana@glowlabs.example", (string?)assignee!["assignee"]);
        Assert.Contains(await DeskHarness.OpenAsync(h.Host, "?assignee=DANA@glowlabs.example"), x => (string?)x["instanceId"] == id);
        Assert.DoesNotContain(await DeskHarness.OpenAsync(h.Host, "?assignee=someone-else"), x => (string?)x["instanceId"] == id);

        // A note: kept with its author and time, twice with one Idempotency-Key is one note, and never texted.
        const string noteText = "Asked the warehouse for a replacement gasket";
        var (noted, note) = await DeskHarness.PostAsync(h.Host, $"/api/admin/handoffs/{id}/notes", $$"""{"text":"{{noteText}}","author":"Dana"}""", "note-1");
        Assert.Equal(HttpStatusCode.Created, noted);
        Assert.Equal(("Dana", noteText), ((string?)note!["author"], (string?)note["text"]));
        Assert.Equal(HttpStatusCode.Created, (await DeskHarness.PostAsync(h.Host, $"/api/admin/handoffs/{id}/notes", $$"""{"text":"{{noteText}}","author":"Dana"}""", "note-1")).Status);
        var notes = (await DeskHarness.GetAsync(h.Host, id))["notes"]!.AsArray();
        Assert.Single(notes);
        Assert.NotNull(notes[0]!["at"]);

        // The customer writes again: on the desk as the last customer message.
        var before = (await DeskHarness.GetAsync(h.Host, id))["handoff"]!["lastCustomerMessageAt"]!.GetValue<DateTimeOffset>();
        await TestCustomers.PostSmsAsync(h.Host, "Incoming_" + Guid.NewGuid().ToString("N"), phone, "It is still dripping");
        await Eventually.TrueAsync(async () => (await DeskHarness.GetAsync(h.Host, id))["conversation"]!.AsArray().Any(c => (string?)c!["text"] == "It is still dripping"), "the second message in the conversation", 60_000);
        await Eventually.TrueAsync(async () => (await DeskHarness.GetAsync(h.Host, id))["handoff"]!["lastCustomerMessageAt"]!.GetValue<DateTimeOffset>() > before, "the journey's record of the message on the desk", 60_000);

        // The agent answers: by SMS on the customer's channel, the SLA's first answer.
        var (replied, _) = await DeskHarness.PostAsync(h.Host, $"/api/admin/handoffs/{id}/reply", """{"text":"Sorry! A technician will call you today."}""");
        Assert.Equal(HttpStatusCode.Accepted, replied);
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == phone && s.Message == "Sorry! A technician will call you today."), "the agent's answer by SMS", 60_000);
        var answered = await DeskHarness.GetAsync(h.Host, id);
        Assert.NotNull(answered["handoff"]!["firstAgentReplyAt"]);
        Assert.Contains(answered["conversation"]!.AsArray(), c => (string?)c!["from"] == "agent" && (string?)c["text"] == "Sorry! A technician will call you today.");
        Assert.DoesNotContain(h.Acs.Sms, s => s.Message.Contains(noteText, StringComparison.Ordinal));

        // Close: the desk marks it closed at once; the journey resumes with the warranty question.
        var (closed, closing) = await DeskHarness.PostAsync(h.Host, $"/api/admin/handoffs/{id}/close", null);
        Assert.Equal(HttpStatusCode.Accepted, closed);
        Assert.Equal("closed", (string?)closing!["handoff"]!["status"]);
        var atClose = await DeskHarness.GetAsync(h.Host, id);
        Assert.Equal(("closed", "agent"), ((string?)atClose["handoff"]!["status"], (string?)atClose["handoff"]!["closedBy"]));
        Assert.DoesNotContain(await DeskHarness.OpenAsync(h.Host), x => (string?)x["instanceId"] == id);
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == phone && s.Message.StartsWith("Want us to register your 2-year warranty", StringComparison.Ordinal)), "the warranty question", 60_000);
        await Eventually.TrueAsync(async () => (string?)JsonNode.Parse((await Infrastructure.Journeys.GetAsync(h.Host.Services, id))!.CustomStatus!)!["step"] == "warranty", "the journey at the warranty step", 60_000);

        // The journey's own record of the close has come (it precedes the warranty send) and changed nothing.
        var records = await h.Host.Services.GetRequiredService<CustomerRecords>().ListAsync("c:" + (string?)listed["customerKey"], None);
        Assert.Contains(records, r => r.Kind == "handoff" && r.Payload.Contains("\"action\":\"closed\"", StringComparison.Ordinal));
        var after = await DeskHarness.GetAsync(h.Host, id);
        Assert.Equal(atClose["handoff"]!["closedAt"]!.GetValue<DateTimeOffset>(), after["handoff"]!["closedAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal("agent", (string?)after["handoff"]!["closedBy"]);
        Assert.Contains(await DeskHarness.OpenAsync(h.Host, "?status=closed"), x => (string?)x["instanceId"] == id);

        // Replying when no handoff is open still reaches the customer, as before the desk.
        Assert.Equal(HttpStatusCode.Accepted, (await DeskHarness.PostAsync(h.Host, $"/api/admin/handoffs/{id}/reply", """{"text":"One more thing: keep the box."}""")).Status);
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == phone && s.Message == "One more thing: keep the box."), "the answer outside a handoff", 60_000);
        await h.Host.Services.GetRequiredService<IJourneyInstances>().TerminateAsync(id, "test over", None);
    }

    [Fact]
    public async Task Desk_HandoffNobodyTook_ClosesAsItsJourneyResumes_AndIsForgottenAfterThirtyDays()
    {
        await using var host = await AppHost.StartAsync(storage, new Dictionary<string, string?> { [Configuration.SettingNames.JourneysLoadExamples] = "false" });
        var records = host.Services.GetRequiredService<ITeamRecords>();
        var recent = "shop.example:o" + Guid.NewGuid().ToString("N")[..10] + ":l1";
        var old = "shop.example:o" + Guid.NewGuid().ToString("N")[..10] + ":l2";
        // Paused for a person 25 hours ago (the pause lasts 24), and 40 days ago: nobody answered either.
        TeamRecord Open(DateTimeOffset at) => new(JourneyChannels.Handoff, "cust-nobody", "check-in", "rate", HandoffAction.Open, "customer asked for a person", null, null, null, at);
        await records.AddAsync(recent, recent + "/r1", Open(DateTimeOffset.UtcNow.AddHours(-25)), None);
        await records.AddAsync(old, old + "/r1", Open(DateTimeOffset.UtcNow.AddDays(-40)), None);

        Assert.DoesNotContain(await DeskHarness.OpenAsync(host), x => (string?)x["instanceId"] == recent || (string?)x["instanceId"] == old);
        var closed = Assert.Single(await DeskHarness.OpenAsync(host, "?status=closed"), x => (string?)x["instanceId"] == recent);
        Assert.Equal(("timeout", true), ((string?)closed["closedBy"], (bool?)closed["slaBreached"]));
        Assert.Equal(closed["resumesAt"]!.GetValue<DateTimeOffset>(), closed["closedAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(TimeSpan.FromHours(24), closed["resumesAt"]!.GetValue<DateTimeOffset>() - closed["openedAt"]!.GetValue<DateTimeOffset>());

        // The hourly retention run forgets the handoff closed more than 30 days ago, keeps the recent one.
        var run = await host.Services.GetRequiredService<Triggers.FunctionInvoker>().InvokeTimerAsync(PxFunctions.Intake.JourneyRetentionTimer.FunctionName, false, DateTimeOffset.UtcNow, None);
        Assert.Equal(Triggers.InvocationOutcome.Succeeded, run.Outcome);
        var index = host.Services.GetRequiredService<PxFunctions.Channels.Desk.HandoffIndex>();
        Assert.Empty(await index.ForInstanceAsync(old, None));
        Assert.Single(await index.ForInstanceAsync(recent, None));
    }

    [Fact]
    public async Task Desk_BadInput_IsAProblemNamingTheField()
    {
        await using var host = await AppHost.StartAsync(storage, new Dictionary<string, string?> { [Configuration.SettingNames.JourneysLoadExamples] = "false" });
        async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode status, string field)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(field, (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["field"]);
        }

        await ExpectAsync(await TestCustomers.AdminGetAsync(host, "/api/admin/handoffs?status=pending"), HttpStatusCode.BadRequest, "status");
        await ExpectAsync(await TestCustomers.AdminGetAsync(host, "/api/admin/handoffs?assignee=" + new string('a', 201)), HttpStatusCode.BadRequest, "assignee");
        await ExpectAsync(await TestCustomers.AdminGetAsync(host, "/api/admin/handoffs/shop.example:nobody:1"), HttpStatusCode.NotFound, "instanceId");
        await ExpectAsync(await TestCustomers.AdminGetAsync(host, "/api/admin/handoffs/bad%20id"), HttpStatusCode.BadRequest, "instanceId");

        async Task PostExpectAsync(string path, string? json, HttpStatusCode status, string field)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = json is null ? null : new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("x-functions-key", AppHost.AdminKey);
            await ExpectAsync(await host.Client.SendAsync(request, TestContext.Current.CancellationToken), status, field);
        }

        const string handoff = "/api/admin/handoffs/shop.example:nobody:1";
        await PostExpectAsync(handoff + "/assign", "{}", HttpStatusCode.BadRequest, "agent");
        await PostExpectAsync(handoff + "/assign", """{"agent":"   "}""", HttpStatusCode.BadRequest, "agent");
        await PostExpectAsync(handoff + "/assign", $$"""{"agent":"{{new string('a', 201)}}"}""", HttpStatusCode.BadRequest, "agent");
        await PostExpectAsync(handoff + "/assign", """{"agent":42}""", HttpStatusCode.BadRequest, "agent");
        await PostExpectAsync(handoff + "/assign", "not json", HttpStatusCode.BadRequest, "body");
        await PostExpectAsync(handoff + "/assign", """{"agent":"dana"}""", HttpStatusCode.NotFound, "instanceId");
        await PostExpectAsync(handoff + "/notes", """{"text":""}""", HttpStatusCode.BadRequest, "text");
        await PostExpectAsync(handoff + "/notes", $$"""{"text":"{{new string('n', 2001)}}"}""", HttpStatusCode.BadRequest, "text");
        await PostExpectAsync(handoff + "/notes", """{"text":"fine","author":""}""", HttpStatusCode.BadRequest, "author");
        await PostExpectAsync(handoff + "/notes", """{"text":"fine"}""", HttpStatusCode.NotFound, "instanceId");
        await PostExpectAsync("/api/admin/handoffs/bad%20id/notes", """{"text":"fine"}""", HttpStatusCode.BadRequest, "instanceId");
        await PostExpectAsync(handoff + "/close", null, HttpStatusCode.NotFound, "instanceId");

        // Without the key, the desk is closed like every admin route.
        using var anonymous = await host.Client.GetAsync("/api/admin/handoffs", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
