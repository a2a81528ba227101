using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>Bad input of every kind in API.md: a clear 4xx problem, never a 500, and nothing kept or queued.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BadInputTests(AzuriteFixture azurite) : IDisposable
{
    private readonly TestApp _app = new(azurite, new() { [TestApp.QueueTriggersOff] = "true" });

    public void Dispose() => _app.Dispose();

    public static TheoryData<string, string, string> BadBodies => new()
    {
        { "malformed JSON", """{"reporter":{"role":"parent"},""", "" },
        { "not an object", "[1,2,3]", "" },
        { "wrong type", """{"reporter":{"role":"parent"},"child":{"age":"twelve"},"concern":{"description":"0123456789abc"}}""", "child.age" },
        { "unknown field", """{"reporter":{"role":"parent"},"concern":{"description":"0123456789abc","severity":"high"}}""", "concern.severity" },
        { "missing description", """{"reporter":{"role":"parent"},"concern":{}}""", "concern.description" },
        { "bad role", """{"reporter":{"role":"police"},"concern":{"description":"0123456789abc"}}""", "reporter.role" },
        { "malformed postcode", """{"reporter":{"role":"parent"},"child":{"postcode":"B15 2T"},"concern":{"description":"0123456789abc"}}""", "child.postcode" },
        { "unknown indicator", """{"reporter":{"role":"parent"},"concern":{"description":"0123456789abc","indicators":["threats","bad"]}}""", "concern.indicators[1]" },
        { "control character", "{\"reporter\":{\"role\":\"parent\",\"name\":\"a\\u0000b\"},\"concern\":{\"description\":\"0123456789abc\"}}", "reporter.name" },
        { "invalid UTF-8 escape", "{\"reporter\":{\"role\":\"parent\"},\"concern\":{\"description\":\"0123456789\\udc00abc\"}}", "concern.description" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_body_gets_400_with_an_error_on_the_field_and_nothing_is_kept(string what, string body, string field)
    {
        using var response = await _app.SubmitAsync(body);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {response.StatusCode}");
        var problem = await ProblemAsync(response);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
        await AssertNothingKeptAsync();
    }

    [Fact]
    public async Task An_oversized_body_gets_413()
    {
        var huge = $$$"""{"reporter":{"role":"parent"},"concern":{"description":"{{{new string('x', 200_000)}}}"}}""";

        using var response = await _app.SubmitAsync(huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await ProblemAsync(response);
        await AssertNothingKeptAsync();
    }

    [Fact]
    public async Task An_oversized_chunked_body_without_length_gets_413()
    {
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(new string(' ', 300_000) + "{}")));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/referrals") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=latin1")]
    public async Task The_wrong_content_type_gets_415(string contentType)
    {
        using var content = new StringContent(Samples.WestMerciaP2);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);

        using var response = await _app.Client.PostAsync("/api/referrals", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await ProblemAsync(response);
        await AssertNothingKeptAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("wrong-key")]
    [InlineData("local-dev-only-key")] // the development partner is not configured in this app
    public async Task No_key_or_a_wrong_key_gets_401(string? key)
    {
        using var client = _app.CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        using var submit = await client.PostAsync("/api/referrals", new StringContent(Samples.WestMerciaP2, Encoding.UTF8, "application/json"));
        using var status = await client.GetAsync("/api/referrals/RI-0000-0000-0000");

        Assert.Equal(HttpStatusCode.Unauthorized, submit.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);
        await ProblemAsync(submit);
        await AssertNothingKeptAsync();
    }

    [Theory]
    [InlineData("a key with spaces")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789X")]
    public async Task A_malformed_Idempotency_Key_gets_400(string key)
    {
        using var response = await _app.SubmitAsync(Samples.WestMerciaP2, idempotencyKey: key);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Idempotency-Key", (await ProblemAsync(response)).GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Over_the_partners_rate_gets_429_with_Retry_After()
    {
        using var slow = new TestApp(azurite, new()
        {
            [TestApp.QueueTriggersOff] = "true",
            [$"Partners:{TestApp.PartnerA}:RequestsPerMinute"] = "3",
        });

        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await slow.SubmitAsync("""{"reporter":{"role":"parent"},"concern":{"description":"short"}}""");
            codes.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
                await ProblemAsync(response);
            }
        }

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], codes);
    }

    [Theory]
    [InlineData("/api/referrals/not-a-reference")]
    [InlineData("/api/referrals/RI-0000-0000-000%00")]
    [InlineData("/api/referrals/%2e%2e%2f%2e%2e%2fetc")]
    public async Task A_strange_reference_gets_a_4xx_not_500(string path)
    {
        using var response = await _app.Client.GetAsync(path);

        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{path}: {response.StatusCode}");
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)response.StatusCode, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }

    private async Task AssertNothingKeptAsync()
    {
        Assert.Equal(0, await _app.QueueLengthAsync(_app.Queue));
        Assert.Equal(0, await _app.ReferralFolderCountAsync());
    }
}
