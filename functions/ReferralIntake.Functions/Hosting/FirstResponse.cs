namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// Whether the app has answered its first request yet. Standalone, the queue listeners wait for it (or for
/// <see cref="QueueListenerOptions.FirstPollDelaySeconds"/>, whichever comes first) before they first poll:
/// on a cold start, three listeners receiving at once took the two cores and the storage connections the
/// first report needed (docs/benchmarks.md, "Start-up").
/// </summary>
public sealed class FirstResponse
{
    private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Answered => _answered.Task;

    /// <summary>The first middleware: marks the first response once it is written.</summary>
    public static IApplicationBuilder Watch(IApplicationBuilder app)
    {
        var first = app.ApplicationServices.GetRequiredService<FirstResponse>();
        return app.Use(async (context, next) =>
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            finally
            {
                first._answered.TrySetResult();
            }
        });
    }
}
