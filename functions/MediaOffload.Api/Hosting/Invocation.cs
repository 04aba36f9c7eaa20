using System.Globalization;
using System.Text.Json.Nodes;

namespace MediaOffload.Api.Hosting;

/// <summary>
/// The one invocation an event arrived in, and when it ends. On Lambda the AWS Lambda Web Adapter passes the
/// deadline in <see cref="LambdaContextHeader"/>; locally there is none, so a configured budget stands in. Handed to
/// every handler explicitly, so concurrent deliveries never see each other's.
/// </summary>
/// <param name="Deadline">When the invocation is stopped.</param>
public sealed record Invocation(DateTimeOffset Deadline)
{
    /// <summary>The Lambda Web Adapter's invocation context, a JSON object with the deadline in epoch milliseconds.</summary>
    public const string LambdaContextHeader = "x-amzn-lambda-context";

    /// <summary>The invocation of an HTTP request: its Lambda deadline, else <paramref name="budget"/> from now.</summary>
    public static Invocation From(HttpContext context, TimeProvider clock, TimeSpan budget) =>
        new(DeadlineFrom(context.Request.Headers[LambdaContextHeader].ToString()) ?? clock.GetUtcNow() + budget);

    /// <summary>An invocation with no Lambda behind it, such as a local notifier delivery.</summary>
    public static Invocation Local(TimeProvider clock, TimeSpan budget) => new(clock.GetUtcNow() + budget);

    /// <summary>The deadline in a context header, or null when it has none or is not JSON.</summary>
    internal static DateTimeOffset? DeadlineFrom(string header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }

        try
        {
            var node = JsonNode.Parse(header);
            var ms = node?["deadline"] ?? node?["deadline_ms"];
            return ms is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(ms.ToString(), CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or OverflowException or InvalidOperationException)
        {
            return null;
        }
    }
}
