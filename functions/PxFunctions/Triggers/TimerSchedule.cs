using Cronos;

namespace PxFunctions.Triggers;

/// <summary>An NCRONTAB expression with seconds, as Functions timer triggers use; evaluated in UTC.</summary>
public sealed class TimerSchedule
{
    private readonly CronExpression _expression;

    private TimerSchedule(CronExpression expression) => _expression = expression;

    public static TimerSchedule Parse(string functionName, string schedule)
    {
        try
        {
            return new TimerSchedule(CronExpression.Parse(schedule, CronFormat.IncludeSeconds));
        }
        catch (CronFormatException ex)
        {
            throw new ArgumentException($"Timer function '{functionName}' has an invalid schedule '{schedule}': {ex.Message}", nameof(schedule), ex);
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset? Next(DateTimeOffset after) =>
        _expression.GetNextOccurrence(after, TimeZoneInfo.Utc, inclusive: false);
}
