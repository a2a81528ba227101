using ReferralIntake.LoadBench;

// dotnet run -c Release --project benchmarks/ReferralIntake.LoadBench -- <intake|triage|worker-startup|all|chaos|p1-backlog|e2e|statistics|storage-calls|links> [options]
// Everything runs on this machine's loopback: its own Azurite, the app as a process, a loopback force.
var mode = args.FirstOrDefault() ?? "all";
var options = Options.Parse(args.Skip(1).ToArray());
return mode switch
{
    "intake" => await Benchmarks.IntakeAsync(options),
    "triage" => await Benchmarks.TriageAsync(options),
    "worker-startup" => await Benchmarks.WorkerStartupAsync(options),
    "all" => await Benchmarks.AllAsync(options),
    "chaos" => await ChaosRun.RunAsync(options),
    "p1-backlog" => await Benchmarks.P1UnderBacklogAsync(options),
    "e2e" => await EndToEndBench.RunAsync(options),
    "statistics" => await StatisticsBench.RunAsync(options),
    "storage-calls" => await StorageCallsBench.RunAsync(options),
    "links" => await LinksBench.RunAsync(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: LoadBench <intake|triage|worker-startup|all|chaos|p1-backlog|e2e|statistics|storage-calls|links> [--requests N] [--concurrency 1,8,32] [--messages N] [--runs N] [--referrals N] [--minutes N] [--outage-minutes N] [--outage-at N] [--backlog N] [--probes N] [--idle N] [--idle-gap S] [--rate N] [--seconds N] [--accounts N]");
    return 2;
}
