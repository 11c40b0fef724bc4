using System.Diagnostics;
using System.Text.Json.Nodes;
using PxFunctions.Harness.Understanding;

namespace PxFunctions.Benchmarks;

/// <summary>
/// <c>replies [corpus.jsonl] [misses]</c>: scores the reply understanding on a labelled corpus (default: the tests'
/// <c>Understanding/replies.jsonl</c>) — intent macro-F1, precision of the answers it would send, handoff recall —
/// and the time per reply. With <c>misses</c>, every line it gets wrong is printed first.
/// </summary>
public static class RepliesBenchmark
{
    public static JsonObject Run(string[] args)
    {
        if (args is ["explain", var journey, var text, ..])
        {
            var single = ReplyCorpus.Judge([new LabelledReply(1, text, args.Length > 3 ? args[3] : "en", journey, args.Length > 4 ? args[4] : null, "other", null)])[0];
            return new JsonObject { ["intent"] = single.Intent, ["decision"] = single.Decision, ["outcome"] = single.Outcome, ["confidence"] = single.Confidence, ["reason"] = single.Reason };
        }

        if (args.Contains("calibrate"))
        {
            foreach (var line in ReplyCorpus.Calibration(ReplyCorpus.Judge(ReplyCorpus.Load(args.FirstOrDefault(a => a.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)) ?? ReplyCorpus.DefaultPath))))
            {
                Progress.Write(line);
            }
        }

        var path = args.FirstOrDefault(a => a.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)) ?? ReplyCorpus.DefaultPath;
        var replies = ReplyCorpus.Load(path);
        Progress.Write($"corpus {path}: {replies.Count} replies");
        ReplyCorpus.Judge(replies.Take(5).ToList());
        var clock = Stopwatch.StartNew();
        var verdicts = ReplyCorpus.Judge(replies);
        clock.Stop();
        if (args.Contains("misses"))
        {
            foreach (var miss in ReplyCorpus.Misses(verdicts))
            {
                Progress.Write(miss);
            }
        }

        var score = ReplyCorpus.Score(verdicts);
        score["benchmark"] = "replies";
        score["corpus"] = Path.GetFileName(path);
        score["ms_total"] = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
        score["targets"] = new JsonObject { ["intent_macro_f1"] = 0.85, ["answer_precision"] = 0.95, ["complaint_handoff_recall"] = 0.95 };
        return score;
    }
}
