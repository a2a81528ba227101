using System.Runtime.CompilerServices;

namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// The native app allocates about 12 MB from process start to its first 202 (the host, the routes, the
/// postcode tables), and most of it lives as long as the process. With the 4 MiB gen0 budget that keeps the
/// working set down under load (the project file's GCgen0size), two collections, each copying that, fell on
/// the first report's path. So the first collection waits until 16 MiB have been allocated (a no-GC region the
/// runtime ends by itself, a few requests later); from then on the configured budget applies. Measured in
/// docs/benchmarks.md ("Start-up", "Memory"): 68 to 51 ms to the first 202, 72 to 74 MiB at peak under load.
/// </summary>
public static class StartupGc
{
    private const long AllocatedBeforeTheFirstCollection = 16L * 1024 * 1024;

    /// <summary>The first line of Main. Only in the native executable: the JIT build keeps the runtime's default
    /// budget, and the tests' hosts (many in one process) must not each pause the collector.</summary>
    public static void DeferFirstCollection()
    {
        if (RuntimeFeature.IsDynamicCodeSupported)
        {
            return;
        }

        try
        {
            _ = GC.TryStartNoGCRegion(AllocatedBeforeTheFirstCollection);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            // A budget this runtime will not give, or a region already open: start as usual.
        }
    }
}
