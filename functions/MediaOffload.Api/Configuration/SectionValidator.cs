using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Configuration;

/// <summary>
/// Adapts an options class's own <c>Validate()</c> (which throws <see cref="ArgumentException"/>) to start-up
/// validation, with a message that names the full configuration key.
/// </summary>
public sealed class SectionValidator<TOptions>(string section, Action<TOptions> validate) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        try
        {
            validate(options);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            var key = string.IsNullOrEmpty(e.ParamName) ? section : $"{section}:{e.ParamName}";
            return ValidateOptionsResult.Fail($"{key} is invalid: {e.Message.Split(" (Parameter")[0]}");
        }
    }
}
