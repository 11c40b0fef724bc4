using PxFunctions.Runtime;

namespace PxFunctions.Benchmarks;

/// <summary>One step as seen at dispatch: when its tick was due, when its transition was applied, when its send was dispatched.</summary>
internal readonly record struct StepSample(DateTimeOffset Due, DateTimeOffset Applied, DateTimeOffset Dispatched);

/// <summary>
/// The effect sink of the benchmark app: it does what the default sink does (one <c>Effects</c> row per effect id,
/// so the storage cost of a dispatch is the real one), then counts a stepper's send as one completed step. A step
/// is counted when its send is dispatched, the last of its three parts (the timer fired and the next timer was
/// committed in the same transaction before the send could be handed on), once per effect id.
/// </summary>
internal sealed class StepRecorder(EffectLogSink log, TimeProvider time) : IEffectSink
{
    private readonly Lock _gate = new();
    private HashSet<string> _seen = new(StringComparer.Ordinal);
    private List<StepSample> _samples = [];
    private bool _recording;
    private long _dispatched;

    /// <summary>Steps dispatched since the app started, recorded or not (for progress lines).</summary>
    public long Dispatched => Interlocked.Read(ref _dispatched);

    public async Task SendAsync(EffectMessage effect, CancellationToken cancellationToken)
    {
        await log.SendAsync(effect, cancellationToken);
        if (effect.Channel != StepperHandler.Channel)
        {
            return;
        }

        var dispatched = time.GetUtcNow();
        var (due, applied) = StepperHandler.ParsePayload(effect.Payload);
        Interlocked.Increment(ref _dispatched);
        lock (_gate)
        {
            if (_recording && _seen.Add(effect.EffectId))
            {
                _samples.Add(new StepSample(due, applied, dispatched));
            }
        }
    }

    /// <summary>Starts a window: forgets earlier samples.</summary>
    public void Begin()
    {
        lock (_gate)
        {
            _seen = new HashSet<string>(StringComparer.Ordinal);
            _samples = [];
            _recording = true;
        }
    }

    /// <summary>The samples of the current window so far.</summary>
    public List<StepSample> Snapshot()
    {
        lock (_gate)
        {
            return [.. _samples];
        }
    }

    /// <summary>Ends the window and returns its samples.</summary>
    public List<StepSample> End()
    {
        lock (_gate)
        {
            _recording = false;
            return _samples;
        }
    }
}
