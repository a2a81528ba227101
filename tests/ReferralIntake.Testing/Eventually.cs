namespace ReferralIntake.Functions.Tests.Support;

/// <summary>Waits for a condition, with a bound: never a fixed sleep.</summary>
public static class Eventually
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0.#} s for {what}.");
            }

            await Task.Delay(Poll);
        }
    }

    public static async Task<T> ValueAsync<T>(Func<Task<T?>> probe, Func<T, bool> done, TimeSpan timeout, string what)
        where T : class
    {
        T? last = null;
        await TrueAsync(async () => (last = await probe()) is { } value && done(value), timeout, what);
        return last!;
    }
}
