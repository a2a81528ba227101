using ReferralIntake.Functions.Hosting;

// The function app: an Azure Functions isolated worker, started by a Functions host (Azure, func start, or
// tools/LocalFunctionsHost, as ./run.sh does). Where a report enters: SubmitReferral/ (and the web form);
// where it waits: the queues (Storage/); where it is judged: TriageReferral/ with the domain's TriagePolicy;
// where it leaves: Delivery/ (DeliverReferral/ for the retries). Hosting/WorkerProgram.cs composes it.
if (!WorkerProgram.IsStartedByFunctionsHost(args))
{
    Console.Error.WriteLine("This is a Functions worker: a Functions host starts it. Run ./run.sh (the local host), or func start in this folder.");
    return 2;
}

await WorkerProgram.RunAsync(args);
return 0;
