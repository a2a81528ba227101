using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// Generated malformed and hostile requests against the running app over real HTTP. Invariants: never
/// a 5xx, every API 4xx a problem document, nothing queued for a rejected request, and the app still
/// serves a normal request afterwards. Short by default (CI); REFERRALINTAKE_FUZZ_CASES=20000 for a
/// long run, REFERRALINTAKE_FUZZ_SEED to replay one. The seed is in every failure message.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FuzzTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("REFERRALINTAKE_FUZZ_CASES"), out var n) ? n : 600;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("REFERRALINTAKE_FUZZ_SEED"), out var s) ? s : Environment.TickCount;

    private readonly TestApp _app = new(azurite, new()
    {
        [TestApp.QueueTriggersOff] = "true", // every accepted report stays on the queue, to be counted
        [$"Partners:{TestApp.PartnerA}:RequestsPerMinute"] = "1000000",
        ["WebForm:PostsPerMinute"] = "1000000",
    });

    public void Dispose() => _app.Dispose();

    private static readonly string[] Hostile =
    [
        "<script>alert(1)</script>", "'; DROP TABLE referrals; --", "\" OR 1=1 --", "{{7*7}}", "${jndi:ldap://x/a}",
        "../../../../etc/passwd", "%00", "\u202Egnp.exe", "\uFEFF", "\u0000", "\u001B[31m", "\r\nX-Injected: 1",
        "😀😀😀", "ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ", "\uD800", "\uDFFF", new string('A', 10_001), "B15 2TT", "RI-0000-0000-0000",
        "", " ", "null", "true", "-1", "1e309", "0x10", "NaN",
    ];

    /// <summary>Hostile values a client can put in a header at all (HTTP headers are visible ASCII).</summary>
    private static readonly string[] HostileHeaders = [.. Hostile.Where(h => h.All(c => c is >= ' ' and <= '~'))];

    private static readonly string[] Fields = ["reporter", "child", "concern", "suspect", "role", "description", "indicators", "postcode", "age", "meetingAt", "usernames", "x"];

    /// <summary>One generated request body, of one of several kinds.</summary>
    private static byte[] Body(Random r)
    {
        string Value(int depth) => r.Next(depth > 3 ? 6 : 9) switch
        {
            0 => Quote(Hostile[r.Next(Hostile.Length)]),
            1 => r.Next(-1000, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            2 => r.Next(2) == 0 ? "true" : "null",
            3 => Quote(new string((char)r.Next(32, 0x3000), r.Next(0, 300))),
            4 => "1.5e3",
            5 => Quote("imagesShared"),
            6 => "[" + string.Join(",", Enumerable.Range(0, r.Next(0, 30)).Select(_ => Value(depth + 1))) + "]",
            _ => "{" + string.Join(",", Enumerable.Range(0, r.Next(0, 6)).Select(_ => $"{Quote(Fields[r.Next(Fields.Length)])}:{Value(depth + 1)}")) + "}",
        };

        var safe = Hostile[r.Next(Hostile.Length)].Replace("\\", "", StringComparison.Ordinal).Replace("\"", "", StringComparison.Ordinal);
        var valid = "{\"reporter\":{\"role\":\"parent\"},\"concern\":{\"description\":" + Quote(safe + " and more words here") + "}}";
        switch (r.Next(9))
        {
            case 0: // a valid report with a hostile field value injected
                return Encoding.UTF8.GetBytes(valid.Replace("\"parent\"}", $"\"parent\",\"name\":{Value(4)}}}", StringComparison.Ordinal));
            case 1: // truncated or spliced JSON
                var tail = Value(3);
                return Encoding.UTF8.GetBytes(valid[..r.Next(valid.Length)] + tail[..Math.Min(5, tail.Length)]);
            case 2: // deep nesting
                var depth = r.Next(10, 5000);
                return Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', r.Next(2) == 0 ? depth : depth / 2));
            case 3: // huge arrays
                return Encoding.UTF8.GetBytes("{\"reporter\":{\"role\":\"parent\"},\"concern\":{\"description\":\"0123456789ab\",\"indicators\":["
                    + string.Join(",", Enumerable.Repeat("\"threats\"", r.Next(20, 20_000))) + "]}}");
            case 4: // invalid UTF-8 bytes inside a string
                var bytes = Encoding.UTF8.GetBytes(valid).ToList();
                bytes.InsertRange(bytes.IndexOf((byte)'d') + 1, [0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80]);
                return [.. bytes];
            case 5: // random bytes
                var noise = new byte[r.Next(0, 2000)];
                r.NextBytes(noise);
                return noise;
            case 6: // wrong types everywhere
                return Encoding.UTF8.GetBytes($$"""{"reporter":{{Value(2)}},"child":{{Value(2)}},"concern":{{Value(2)}},"suspect":{{Value(2)}}}""");
            case 7: // a valid report, which must be accepted
                return Encoding.UTF8.GetBytes(valid);
            default:
                return Encoding.UTF8.GetBytes(Value(0));
        }
    }

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    [Fact]
    public async Task Hostile_API_requests_never_get_a_5xx_and_every_4xx_is_a_problem_with_nothing_queued()
    {
        var random = new Random(Seed);
        var accepted = 0;
        var references = new HashSet<string>();
        var failures = new List<string>();
        using var client = _app.CreateClient();
        for (var i = 0; i < Cases && failures.Count < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/referrals") { Content = new ByteArrayContent(Body(random)) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", random.Next(12) switch
            {
                0 => "text/plain",
                1 => "application/json; charset=utf-16",
                2 => "application/json;;;",
                3 => new string('x', 5000),
                _ => "application/json",
            });
            request.Headers.TryAddWithoutValidation("X-Api-Key", random.Next(15) == 0 ? HostileHeaders[random.Next(HostileHeaders.Length)] : TestApp.PartnerAKey);
            if (random.Next(4) == 0)
            {
                request.Headers.TryAddWithoutValidation("Idempotency-Key", random.Next(3) == 0 ? HostileHeaders[random.Next(HostileHeaders.Length)] : $"fuzz-{Seed}-{i}");
            }

            if (random.Next(20) == 0)
            {
                request.Headers.TryAddWithoutValidation("X-Padding", new string('h', random.Next(1000, 30_000)));
            }

            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            if (status == 202)
            {
                accepted++;
                references.Add((await response.Content.ReadFromJsonAsync<Api.AcceptedReferral>())!.Reference);
            }
            else if (status >= 500)
            {
                failures.Add($"case {i}: {status}");
            }
            else if (status is >= 400 and < 500 && status != 431 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"case {i}: {status} without a problem document ({response.Content.Headers.ContentType})");
            }
        }

        Assert.True(failures.Count == 0, $"seed {Seed}: {string.Join("; ", failures)}\nApp errors:\n{string.Join("\n", _app.Logs.Where(l => l.StartsWith("Error", StringComparison.Ordinal)).Take(3))}");
        Assert.True(accepted > 0, $"seed {Seed}: no case was a valid report, so the queue check proves nothing");
        // Exactly one message per accepted referral, on the referrals queue or the urgent lane (a fuzzed P1 goes
        // there), and none for a rejection or for a replay of an Idempotency-Key (a hostile key can recur);
        // one stored referral per distinct reference.
        var queued = await CountMessagesAsync(_app.Queue) + await CountMessagesAsync(_app.UrgentQueue);
        Assert.True(queued == references.Count, $"seed {Seed}: {accepted} accepted as {references.Count} referrals, {queued} queued");
        Assert.True(references.Count == await _app.ReferralFolderCountAsync(), $"seed {Seed}: {references.Count} references, {await _app.ReferralFolderCountAsync()} stored");
        var healthy = await _app.SubmitAsync(Samples.WestMerciaP2);
        Assert.Equal(HttpStatusCode.Accepted, healthy.StatusCode);
    }

    /// <summary>Counts the queue exactly by receiving every message (the listener is off), rather than trusting an approximate count.</summary>
    private static async Task<int> CountMessagesAsync(Azure.Storage.Queues.QueueClient queue)
    {
        if (!await queue.ExistsAsync())
        {
            return 0;
        }

        var ids = new HashSet<string>();
        while ((await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value is { Length: > 0 } batch)
        {
            ids.UnionWith(batch.Select(m => m.MessageId));
        }

        return ids.Count;
    }

    [Fact]
    public async Task Hostile_form_posts_and_paths_never_get_a_5xx()
    {
        var random = new Random(Seed);
        using var client = _app.CreateClient();
        var failures = new List<string>();
        string[] paths = ["/report", "/report/send", "/report/edit", "/", "/about", "/inbox", "/assets/x", "/api/referrals/" + Uri.EscapeDataString(Hostile[random.Next(Hostile.Length)]), "/api/admin/poison", "/TriageReferral"];
        for (var i = 0; i < Cases / 3; i++)
        {
            var path = paths[random.Next(paths.Length)];
            var fields = Enumerable.Range(0, random.Next(0, 40)).Select(_ => KeyValuePair.Create(
                random.Next(3) == 0 ? Hostile[random.Next(Hostile.Length)] : "concern." + Fields[random.Next(Fields.Length)],
                Hostile[random.Next(Hostile.Length)]));
            using var content = random.Next(4) == 0 ? (HttpContent)new ByteArrayContent(Body(random)) : new FormUrlEncodedContent(fields);
            using var response = random.Next(3) == 0 ? await client.GetAsync(path) : await client.PostAsync(path, content);
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"case {i}: {(int)response.StatusCode} for {path}");
            }
        }

        Assert.True(failures.Count == 0, $"seed {Seed}: {string.Join("; ", failures)}");
        Assert.Equal(0, await _app.QueueLengthAsync(_app.Queue)); // no form post carried a valid token
    }

    [Fact]
    public async Task A_slow_body_and_a_half_sent_request_do_not_take_the_app_down()
    {
        var port = _app.Client.BaseAddress!.Port;
        var body = Encoding.UTF8.GetBytes(Samples.WestMerciaP2);

        // A body trickled a few bytes at a time, then abandoned half way.
        using (var slow = new TcpClient())
        {
            await slow.ConnectAsync(IPAddress.Loopback, port);
            var stream = slow.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /api/referrals HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Api-Key: {TestApp.PartnerAKey}\r\nContent-Length: {body.Length}\r\n\r\n"));
            for (var i = 0; i < body.Length / 2; i += 16)
            {
                await stream.WriteAsync(body.AsMemory(i, 16));
                await stream.FlushAsync();
            }
        } // closed mid-body

        // A request line with no end.
        using (var junk = new TcpClient())
        {
            await junk.ConnectAsync(IPAddress.Loopback, port);
            await junk.GetStream().WriteAsync(Encoding.ASCII.GetBytes("POST /api/referrals HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n"));
        }

        using var healthy = await _app.SubmitAsync(Samples.WestMerciaP2);
        Assert.Equal(HttpStatusCode.Accepted, healthy.StatusCode);
        Assert.Equal(1, await _app.ReferralFolderCountAsync()); // the abandoned half body kept nothing
    }
}
