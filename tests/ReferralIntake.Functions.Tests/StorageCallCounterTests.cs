using Azure.Core;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Tests;

/// <summary>What each storage request is counted as: the benchmark's per-step table (docs/benchmarks.md) reads these names.</summary>
public sealed class StorageCallCounterTests
{
    [Theory]
    [InlineData("queue", "POST", "https://a.queue/referrals/messages", "queue send")]
    [InlineData("queue", "GET", "https://a.queue/referrals/messages?numofmessages=16", "queue receive")]
    [InlineData("queue", "DELETE", "https://a.queue/referrals/messages/id?popreceipt=x", "queue delete")]
    [InlineData("queue", "PUT", "https://a.queue/referrals", "queue put (queue itself)")]
    [InlineData("blob", "GET", "https://a.blob/referrals?restype=container&comp=list", "blob list")]
    [InlineData("blob", "PUT", "https://a.blob/referrals?restype=container", "container put")]
    [InlineData("blob", "GET", "https://a.blob/referrals/RI-1/state.json", "blob read")]
    [InlineData("blob", "HEAD", "https://a.blob/referrals/RI-1/state.json", "blob exists")]
    [InlineData("blob", "PUT", "https://a.blob/referrals/RI-1/audit.jsonl?comp=appendblock", "blob append")]
    [InlineData("blob", "PUT", "https://a.blob/referrals/RI-1/state.json", "blob write")]
    [InlineData("blob", "DELETE", "https://a.blob/referrals/RI-1/state.json", "blob delete")]
    public void Each_request_is_named_by_what_it_does(string service, string method, string uri, string expected) =>
        Assert.Equal(expected, StorageCallCounter.Classify(service, RequestMethod.Parse(method), new Uri(uri)));
}
