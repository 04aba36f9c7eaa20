using System.CommandLine;

namespace MediaOffload.Cli.Commands;

/// <summary>
/// Checks attached to options, so a bad value is a parse error (exit code 2, before anything connects to S3) with
/// the option's name in the message.
/// </summary>
internal static class OptionRules
{
    /// <summary>Adds a check; <paramref name="problem"/> returns null for a good value, else what is wrong with it.</summary>
    public static Option<T> Check<T>(this Option<T> option, Func<T, string?> problem)
    {
        option.Validators.Add(result =>
        {
            if (problem(result.GetValueOrDefault<T>()) is { } message)
            {
                result.AddError($"{option.Name} {message}");
            }
        });
        return option;
    }

    /// <summary>Adds a check to an argument, as <see cref="Check{T}(Option{T}, Func{T, string?})"/>.</summary>
    public static Argument<T> Check<T>(this Argument<T> argument, Func<T, string?> problem)
    {
        argument.Validators.Add(result =>
        {
            if (problem(result.GetValueOrDefault<T>()) is { } message)
            {
                result.AddError($"{argument.Name} {message}");
            }
        });
        return argument;
    }

    /// <summary>A range check for whole numbers.</summary>
    public static Option<int> Between(this Option<int> option, int min, int max) =>
        option.Check(v => v < min || v > max ? $"must be between {min} and {max}" : null);

    /// <summary>A file the run writes: its folder must exist, so the run does not fail at its end.</summary>
    public static Option<string?> WritableFile(this Option<string?> option) =>
        option.Check(file => file is not null && Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir && !Directory.Exists(dir)
            ? $"'{file}': its directory does not exist"
            : null);
}
