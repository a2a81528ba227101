using Azure.Storage.Queues;
using Microsoft.Azure.Functions.Worker;

namespace LocalFunctionsHost.SampleWorker;

/// <summary>
/// A work item is "ok:ID", "fail:ID" (always throws) or "slow:ID:MILLISECONDS". Each invocation records
/// "ID|dequeueCount|outcome|most in flight at once" on the results queue (a slow one also records
/// "ID|dequeueCount|started|process id" when it starts).
/// </summary>
public sealed class QueueAndTimerFunctions(QueueClient results)
{
    private static int _inFlight;
    private static int _mostInFlight;

    [Function("Work")]
    public async Task Work([QueueTrigger("%WorkQueue%")] string message, long dequeueCount, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _mostInFlight, now);
        try
        {
            var parts = message.Split(':');
            if (parts[0] == "slow")
            {
                await results.SendMessageAsync($"{parts[1]}|{dequeueCount}|started|{Environment.ProcessId}", cancellationToken);
                await Task.Delay(int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
            }

            var outcome = parts[0] == "fail" ? "failed" : "done";
            await results.SendMessageAsync($"{parts[1]}|{dequeueCount}|{outcome}|{Volatile.Read(ref _mostInFlight)}", cancellationToken);
            if (parts[0] == "fail")
            {
                throw new InvalidOperationException("the sample's deliberate failure");
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    [Function("Tick")]
    public Task Tick([TimerTrigger("%TickSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        results.SendMessageAsync($"tick|{timer.ScheduleStatus?.Next:O}", cancellationToken);

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
