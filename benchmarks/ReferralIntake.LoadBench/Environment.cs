using System.Diagnostics;
using System.Net;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.LoadBench;

/// <summary>The pieces every run needs: Azurite, app settings, a report body, latency maths.</summary>
public static class Bench
{
    /// <summary>A process's CPU time so far (user + system, all its threads), from /proc; 0 for a process that is gone. Linux only.</summary>
    public static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields from the third (state) on
            return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0; // utime, stime in ticks of 1/100 s
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public const string PartnerKey = "bench-partner-key";

    public static readonly byte[] ReportBody = """
        {"reporter":{"role":"parent","name":"Sam Example","email":"sam@example.com","contactConsent":true},
         "child":{"firstName":"Ellie","age":12,"postcode":"B45 8AB"},
         "concern":{"description":"A man on Roblox has been messaging her every night, asking for photos and telling her to keep it secret.","platforms":["Roblox","Discord"],"indicators":["imagesRequested","secrecyRequested"]},
         "suspect":{"usernames":["xx_gamer_41"],"approximateAge":41}}
        """u8.ToArray();

    /// <param name="queueTriggers">false: the queue functions off (AzureWebJobs.{name}.Disabled), so what is sent stays queued.</param>
    public static Dictionary<string, string> AppSettings(AzuriteFixture azurite, string names, bool queueTriggers, Uri? force = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["ReferralQueueName"] = names,
            ["UrgentReferralQueueName"] = $"{names}-urgent",
            ["DeliveryQueueName"] = $"{names}-deliveries",
            ["ReferralContainerName"] = names,
            ["Partners:bench:KeySha256"] = Partners.HashKey(PartnerKey),
            ["Partners:bench:RequestsPerMinute"] = "100000000",
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.5",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        };
        // The timers are off (their schedules would land in a run at random); the queue functions as asked.
        foreach (var (key, value) in TestApp.Disabled(queueTriggers ? TestApp.TimerFunctions : [.. TestApp.TimerFunctions, .. TestApp.QueueFunctions]))
        {
            settings[key] = value;
        }

        if (force is not null)
        {
            settings["Destinations:default:Url"] = force.ToString();
            settings["Destinations:default:Secret"] = ForceServer.Secret;
        }

        return settings;
    }

    public static (QueueClient Queue, BlobContainerClient Container) RawClients(AzuriteFixture azurite, string names)
    {
        var queue = new QueueClient(azurite.ConnectionString, names, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var container = new BlobContainerClient(azurite.ConnectionString, names);
        queue.CreateIfNotExists();
        container.CreateIfNotExists();
        return (queue, container);
    }

    /// <summary>Runs <paramref name="count"/> operations with <paramref name="concurrency"/> workers; returns each one's latency and the wall time.</summary>
    public static async Task<Run> MeasureAsync(int count, int concurrency, Func<int, Task<bool>> operation)
    {
        var latencies = new double[count];
        var next = -1;
        var failed = 0;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                if (!await operation(i))
                {
                    Interlocked.Increment(ref failed);
                }

                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        return new Run(count, wall.Elapsed, latencies, failed);
    }

    /// <summary>One partner submission over HTTP; true for a 202. The reference, when asked for, comes back through <paramref name="reference"/>.</summary>
    public static async Task<(bool Accepted, string? Reference)> SubmitAsync(HttpClient http, byte[] body, string? idempotencyKey = null, bool readReference = false)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/referrals") { Content = content };
        request.Headers.Add("X-Api-Key", PartnerKey);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await http.SendAsync(request);
        if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
        {
            return (false, null);
        }

        return (true, readReference ? (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<ReferralIntake.Functions.Api.AcceptedReferral>(response.Content, ReferralIntake.Functions.Api.ContractMapping.Json))!.Reference : null);
    }

    public static string Names(string what) => $"bench-{what}-{Guid.NewGuid():N}"[..30];

    public static HttpClient Client(Uri baseAddress) => new(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = baseAddress };
}

public sealed record Run(int Count, TimeSpan Wall, double[] LatenciesMs, int Failed)
{
    public double PerSecond => Count / Wall.TotalSeconds;

    public double Percentile(double p) => Percentile([.. LatenciesMs.Order()], p);

    /// <summary>The nearest-rank percentile of values already sorted.</summary>
    public static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
