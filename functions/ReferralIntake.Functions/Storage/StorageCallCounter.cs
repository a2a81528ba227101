using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;
using ReferralIntake.Functions.Telemetry;

namespace ReferralIntake.Functions.Storage;

/// <summary>
/// Counts every request the app's storage clients send (each retry too: each is a billed request), by what it
/// did ("blob write", "queue send", …) and by the work it was sent for: the nearest <c>referral.*</c> span, else
/// the function's. The count is the storage account's request budget and bill, and the hand-off's cost per
/// referral (docs/benchmarks.md); it is also the <c>referrals.storage.requests</c> metric.
/// </summary>
public sealed class StorageCallCounter
{
    private readonly ConcurrentDictionary<(string Step, string Call), long> _counts = new();

    /// <summary>The policy to add to one service's clients (blobs, queues or tables): the path alone does not say which.</summary>
    public HttpPipelinePolicy For(string service) => new Counting(this, service);

    /// <summary>The counts so far, by step and call.</summary>
    public IReadOnlyDictionary<(string Step, string Call), long> Snapshot() => new Dictionary<(string, string), long>(_counts);

    public long Total => _counts.Values.Sum();

    private void Count(string service, HttpMessage message)
    {
        var call = Classify(service, message.Request.Method, message.Request.Uri.ToUri());
        var step = StepOf(Activity.Current);
        _counts.AddOrUpdate((step, call), 1, (_, n) => n + 1);
        ReferralTelemetry.StorageRequests.Add(1, new KeyValuePair<string, object?>("call", call), new KeyValuePair<string, object?>("step", step));
    }

    private sealed class Counting(StorageCallCounter counter, string service) : HttpPipelinePolicy
    {
        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            counter.Count(service, message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            counter.Count(service, message);
            return ProcessNextAsync(message, pipeline);
        }
    }

    /// <summary>The nearest span that names the work: an app span (referral.triage, referral.deliver, …), else the function's.</summary>
    private static string StepOf(Activity? activity)
    {
        for (var a = activity; a is not null; a = a.Parent)
        {
            if (a.OperationName.StartsWith("referral.", StringComparison.Ordinal) || a.OperationName.StartsWith("function ", StringComparison.Ordinal))
            {
                return a.OperationName;
            }
        }

        return "other";
    }

    /// <summary>What a request does, from its service, method and query (the REST API's comp and restype).</summary>
    public static string Classify(string service, RequestMethod method, Uri uri)
    {
        var query = uri.Query;
        bool Has(string part) => query.Contains(part, StringComparison.OrdinalIgnoreCase);
        var verb = method.Method.ToLowerInvariant();
        if (service == "queue")
        {
            return !uri.AbsolutePath.Contains("/messages", StringComparison.Ordinal) ? $"queue {verb} (queue itself)"
                : method == RequestMethod.Post ? "queue send"
                : method == RequestMethod.Get ? "queue receive"
                : method == RequestMethod.Delete ? "queue delete"
                : method == RequestMethod.Put ? "queue update"
                : $"queue {verb}";
        }

        if (service != "blob")
        {
            return $"{service} {verb}";
        }

        return Has("comp=list") ? "blob list"
            : Has("restype=container") ? $"container {verb}"
            : Has("comp=metadata") || Has("comp=properties") ? "blob metadata"
            : method == RequestMethod.Get ? "blob read"
            : method == RequestMethod.Head ? "blob exists"
            : method == RequestMethod.Put && Has("comp=appendblock") ? "blob append"
            : method == RequestMethod.Put ? "blob write"
            : method == RequestMethod.Delete ? "blob delete"
            : $"blob {verb}";
    }
}
