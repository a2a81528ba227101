using BenchmarkDotNet.Attributes;
using ReferralIntake.Domain.Forces;
using ReferralIntake.Domain.Postcodes;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Domain.Triage;

namespace ReferralIntake.Benchmarks;

/// <summary>One triage decision, from a validated report (the work the queue function does per message).</summary>
[MemoryDiagnoser]
public class TriageDecisionBenchmarks
{
    private TriagePolicy _policy = null!;
    private ConcernReport _p1Exception = null!;
    private ConcernReport _p4Child = null!;

    [GlobalSetup]
    public void Setup()
    {
        _policy = new TriagePolicy(ForceDirectory.Default, TimeProvider.System);
        _p1Exception = Read("""{"reporter":{"role":"parent"},"child":{"age":12,"postcode":"B45 8AB"},"concern":{"description":"He wants to meet her tomorrow after school.","indicators":["meetingArranged","imagesShared","adultContactingManyChildren"],"meetingAt":"2030-01-01T15:00:00Z"}}""");
        _p4Child = Read("""{"reporter":{"role":"child"},"concern":{"description":"Someone I don't know keeps adding me."}}""");
    }

    [Benchmark(Baseline = true)]
    public TriageDecision DecideP2WithExceptionPostcode() => _policy.Decide(_p1Exception);

    [Benchmark]
    public TriageDecision DecideP4ChildReporter() => _policy.Decide(_p4Child);

    private static ConcernReport Read(string json) => ConcernReportReader.Read(json).Report
        ?? throw new InvalidOperationException("benchmark report must be valid");
}

/// <summary>Reading and validating a partner's JSON body (the work intake does per request).</summary>
[MemoryDiagnoser]
public class ReadReportBenchmarks
{
    private readonly byte[] _body = """{"reporter":{"role":"parent","name":"Sam","email":"sam@example.com","contactConsent":true},"child":{"firstName":"Alex","age":13,"postcode":"b152tt"},"concern":{"description":"Someone on Snapchat asked for photos and said he would share them.","platforms":["Snapchat"],"indicators":["imagesShared","threats"]},"suspect":{"usernames":["xx_guy"],"approximateAge":41}}"""u8.ToArray();

    [Benchmark]
    public ReadResult ReadValidReport() => ConcernReportReader.Read(_body);
}

/// <summary>The directory: load time and memory, and a postcode lookup.</summary>
[MemoryDiagnoser]
public class ForceDirectoryBenchmarks
{
    private UkPostcode _exception = null!;
    private UkPostcode _majority = null!;
    private UkPostcode _outward = null!;

    [GlobalSetup]
    public void Setup()
    {
        _exception = Parse("B78 2AA");
        _majority = Parse("B15 2TT");
        _outward = Parse("CV7");
        _ = ForceDirectory.Default;
    }

    private static UkPostcode Parse(string text) => UkPostcode.TryParse(text, out var postcode)
        ? postcode : throw new InvalidOperationException("benchmark postcode must parse");

    [Benchmark]
    public ForceDirectory LoadDirectory() => ForceDirectory.LoadEmbedded();

    [Benchmark]
    public PostcodeResolution? ResolveExceptionUnit() => ForceDirectory.Default.Resolve(_exception);

    [Benchmark]
    public PostcodeResolution? ResolveMajorityUnit() => ForceDirectory.Default.Resolve(_majority);

    [Benchmark]
    public PostcodeResolution? ResolveOutwardCode() => ForceDirectory.Default.Resolve(_outward);
}
