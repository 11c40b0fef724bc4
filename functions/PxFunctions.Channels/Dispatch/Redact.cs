namespace PxFunctions.Channels.Dispatch;

/// <summary>Personal data as it may appear in logs: enough to tell two customers apart, not enough to contact one.</summary>
public static class Redact
{
    /// <summary><c>+14155550123</c> → <c>+1415•••0123</c>.</summary>
    public static string Phone(string? phone) =>
        phone is null ? "(none)" : phone.Length <= 7 ? "•••" : phone[..5] + "•••" + phone[^4..];

    /// <summary><c>maya@example.com</c> → <c>m•••@example.com</c>.</summary>
    public static string Email(string? email)
    {
        if (email is null)
        {
            return "(none)";
        }

        var at = email.IndexOf('@', StringComparison.Ordinal);
        return at <= 0 ? "•••" : email[0] + "•••" + email[at..];
    }

    public static string Address(string address) => address.Contains('@', StringComparison.Ordinal) ? Email(address) : Phone(address);
}
