using System.Diagnostics;
using System.Globalization;

namespace ReferralIntake.Functions.Tests.Support;

/// <summary>Stopping a child process the way a host or an operator does: SIGTERM, then a bounded wait.</summary>
public static class ProcessStop
{
    /// <summary>Sends SIGTERM and waits for the process to exit; false if it is still running after the timeout.</summary>
    public static async Task<bool> TerminateAsync(Process process, TimeSpan timeout)
    {
        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var bound = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(bound.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
