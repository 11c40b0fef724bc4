namespace PxFunctions.Configuration;

/// <summary>A setting is missing or malformed; start-up stops with this one message.</summary>
public sealed class InvalidSettingException(string settingName, string reason)
    : Exception($"Setting '{settingName}' {reason}")
{
    /// <summary>The setting's name as an operator writes it (e.g. <c>Px__AdminKey</c>).</summary>
    public string SettingName { get; } = settingName;
}
