using PxFunctions.Harness.Understanding;
using PxFunctions.Journeys.Understanding;

namespace PxFunctions.Tests.Understanding;

/// <summary>
/// The labelled reply corpus (<c>replies.jsonl</c>) is what the reply understanding is tuned and judged on: it must
/// stay a real sample (size, languages, every intent, expectations that name real entries), and the understanding
/// must keep the targets on it. The held-out corpus (<c>replies-holdout.jsonl</c>, written without seeing
/// the engine) is scored by the benchmark command, not held to the targets here.
/// </summary>
public sealed class ReplyCorpusTests
{
    [Fact]
    public void Corpus_IsALabelledSampleOfEveryIntentInThreeLanguages_WhoseExpectationsNameEntriesThatServeTheJourney()
    {
        var (journeys, knowledge) = ReplyCorpus.Shipped();
        foreach (var path in new[] { ReplyCorpus.DefaultPath, ReplyCorpus.HoldoutPath })
        {
            var replies = ReplyCorpus.Load(path);
            Assert.True(replies.Count >= (path == ReplyCorpus.DefaultPath ? 300 : 150), $"{path}: {replies.Count} lines");
            Assert.Equal(["en", "es", "fr"], replies.Select(r => r.Lang).Distinct().Order(StringComparer.Ordinal));
            Assert.Equal(ReplyIntents.All.Order(StringComparer.Ordinal), replies.Select(r => r.Intent).Distinct().Order(StringComparer.Ordinal));
            Assert.Equal(journeys.Keys.Order(StringComparer.Ordinal), replies.Select(r => r.Journey).Distinct().Order(StringComparer.Ordinal));
            foreach (var reply in replies)
            {
                if (reply.Expect is { } expect && expect != ReplyCorpus.Handoff)
                {
                    Assert.Contains(knowledge, k => k.Base.Serves(reply.Journey) && k.Base.Entry(expect) is { Handoff: false });
                }

                Assert.True(reply.Intent != ReplyIntents.Answer || reply.Step is not null, $"line {reply.Line}: an answer needs the step it answers");
                Assert.True(reply.Intent is not (ReplyIntents.Complaint or ReplyIntents.Person) || reply.Expect == ReplyCorpus.Handoff, $"line {reply.Line}: complaints and requests for a person expect a handoff");
            }
        }
    }

    [Fact]
    public void Understanding_MeetsTheTargetsOnTheCorpus()
    {
        var score = ReplyCorpus.Score(ReplyCorpus.Judge(ReplyCorpus.Load(ReplyCorpus.DefaultPath)));
        Assert.True((double)score["intent_macro_f1"]! >= 0.85, score.ToJsonString());
        Assert.True((double)score["answer_precision"]! >= 0.95, score.ToJsonString());
        Assert.True((double)score["complaint_handoff_recall"]! >= 0.95, score.ToJsonString());
        Assert.True((int)score["answers_sent"]! >= 50, "answering almost nothing would make precision meaningless: " + score.ToJsonString());
    }
}
