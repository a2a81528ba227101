using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// The served OpenAPI document is the contract API.md states: the linter (Redocly CLI, recommended
/// rules, examples validated against their schemas) finds nothing; what it says is required, allowed,
/// long or well-formed is what the reader enforces; and a request with only the required fields, or
/// the documented example, is accepted.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OpenApiContractTests(AzuriteFixture azurite) : IDisposable
{
    private readonly TestApp _app = new(azurite, new() { [TestApp.QueueTriggersOff] = "true" });

    public void Dispose() => _app.Dispose();

    private async Task<JsonObject> DocumentAsync() => JsonNode.Parse(await _app.Client.GetStringAsync("/api/openapi/v1.json"))!.AsObject();

    private static JsonObject Schema(JsonObject document, string name) => document["components"]!["schemas"]![name]!.AsObject();

    /// <summary>The contract is kept in the repo and the worker serves it as it is; the code's own routes and types
    /// must generate exactly it. REFERRALINTAKE_WRITE_OPENAPI=1 writes the generated one over it, to review as a diff.</summary>
    [Fact]
    public async Task The_document_kept_in_the_repo_is_the_one_the_code_generates_and_the_one_the_worker_serves()
    {
        var kept = Path.Combine(RepoPaths.Root, "functions", "ReferralIntake.Functions", "OpenApi", "openapi.v1.json");
        var generated = await ContractFromCode.GenerateAsync(azurite);
        if (Environment.GetEnvironmentVariable("REFERRALINTAKE_WRITE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(kept, generated);
        }

        var served = await _app.Client.GetStringAsync("/api/openapi/v1.json");

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(await File.ReadAllTextAsync(kept)), JsonNode.Parse(generated)),
            $"{kept} is not the document the code generates: run the test with REFERRALINTAKE_WRITE_OPENAPI=1 and review the diff.");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(await File.ReadAllTextAsync(kept)), JsonNode.Parse(served)), "the worker serves another document than the one kept");
    }

    [Fact]
    public async Task The_linter_finds_no_problem_in_the_served_document()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("openapi").FullName, "openapi.json");
        await File.WriteAllTextAsync(file, await _app.Client.GetStringAsync("/api/openapi/v1.json"));
        var (exitCode, output, _) = await NodeTool.RunAsync(Path.Combine("@redocly", "cli", "bin", "cli.js"),
            ["lint", file, "--format=json", "--config", Path.Combine(RepoPaths.Root, "redocly.yaml")],
            new Dictionary<string, string> { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true", ["NO_COLOR"] = "1" });

        var totals = JsonNode.Parse(output)!["totals"]!;
        Assert.True((totals["errors"]!.GetValue<int>(), totals["warnings"]!.GetValue<int>()) == (0, 0), output); // the problems, with where and why
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task A_request_with_only_the_required_fields_and_the_documented_example_are_accepted()
    {
        var document = await DocumentAsync();
        Assert.Equal(["concern", "reporter"], Schema(document, "ReferralRequest")["required"]!.AsArray().Select(r => r!.ToString()).Order());
        Assert.Equal(["role"], Schema(document, "ReporterBody")["required"]!.AsArray().Select(r => r!.ToString()));
        Assert.Equal(["description"], Schema(document, "ConcernBody")["required"]!.AsArray().Select(r => r!.ToString()));
        var example = document["paths"]!["/api/referrals"]!["post"]!["requestBody"]!["content"]!["application/json"]!["example"]!.ToJsonString();

        using var minimal = await _app.SubmitAsync("""{"reporter":{"role":"other"},"concern":{"description":"Someone keeps messaging my niece."}}""");
        using var documented = await _app.SubmitAsync(example);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (minimal.StatusCode, documented.StatusCode));
    }

    [Fact]
    public async Task Every_operation_documents_the_key_it_needs_and_the_problems_it_can_answer()
    {
        var document = await DocumentAsync();
        foreach (var (path, methods) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in methods!.AsObject())
            {
                var tag = operation!["tags"]![0]!.ToString();
                var security = operation["security"]!.AsArray().SelectMany(s => s!.AsObject().Select(p => p.Key)).ToList();
                var responses = operation["responses"]!.AsObject();
                var expected = tag switch { "Referrals" => ["partnerKey"], "Forces" => ["forceKey"], _ => new List<string>() };
                var success = responses.First(r => r.Key.StartsWith('2')).Value!;
                Assert.True(success["content"]?["application/json"]?["example"] is not null, $"{method} {path}: no example answer");
                Assert.True(operation["requestBody"] is null || operation["requestBody"]!["content"]!["application/json"]!["example"] is not null, $"{method} {path}: no example request");
                Assert.True(expected.SequenceEqual(security), $"{method} {path}: security {string.Join(",", security)}");
                if (tag != "Health")
                {
                    foreach (var code in new[] { "401", "404", "429" }.Where(c => !(path == "/api/referrals" && c == "404")))
                    {
                        Assert.True(responses[code]?["content"]?["application/problem+json"] is not null, $"{method} {path} documents {code} as a problem");
                    }
                }
            }
        }

        var key = document["paths"]!["/api/referrals"]!["post"]!["parameters"]!.AsArray().Single(p => p!["name"]!.ToString() == "Idempotency-Key")!;
        Assert.Equal(("header", 100), (key["in"]!.ToString(), key["schema"]!["maxLength"]!.GetValue<int>()));
    }

    /// <summary>Each documented limit against the reader: at the limit accepted, one over refused, for that field.</summary>
    [Theory]
    [InlineData("ReporterBody", "name", "reporter.name")]
    [InlineData("ChildBody", "firstName", "child.firstName")]
    [InlineData("ConcernBody", "description", "concern.description")]
    [InlineData("SuspectBody", "platform", "suspect.platform")]
    [InlineData("SuspectBody", "location", "suspect.location")]
    [InlineData("AcknowledgementRequest", "note", null)]
    public async Task A_documented_length_is_the_length_the_reader_enforces(string schemaName, string property, string? path)
    {
        var schema = Schema(await DocumentAsync(), schemaName)["properties"]![property]!;
        var max = schema["maxLength"]!.GetValue<int>();
        if (path is null)
        {
            Assert.Equal(AcknowledgeReferral.AcknowledgeReferralFunction.MaxNoteLength, max);
            return;
        }

        Assert.DoesNotContain(ErrorsAt(path, new string('a', max)), e => e.Field == path);
        Assert.Contains(ErrorsAt(path, new string('a', max + 1)), e => e.Field == path);
        if (schema["minLength"] is { } min)
        {
            Assert.Contains(ErrorsAt(path, new string('a', min.GetValue<int>() - 1)), e => e.Field == path);
        }
    }

    [Fact]
    public async Task The_documented_enums_numbers_and_postcode_pattern_are_what_the_reader_accepts()
    {
        var document = await DocumentAsync();
        var roles = Schema(document, "ReporterBody")["properties"]!["role"]!["enum"]!.AsArray().Select(r => r!.ToString()).ToList();
        var indicators = Schema(document, "ConcernBody")["properties"]!["indicators"]!["items"]!["enum"]!.AsArray().Select(r => r!.ToString()).ToList();
        var age = Schema(document, "ChildBody")["properties"]!["age"]!;
        var pattern = new Regex(Schema(document, "ChildBody")["properties"]!["postcode"]!["pattern"]!.ToString());

        Assert.Equal(["carer", "child", "other", "parent", "professional"], roles);
        Assert.All(roles, r => Assert.DoesNotContain(ErrorsAt("reporter.role", r), e => e.Field == "reporter.role"));
        Assert.Contains(ErrorsAt("reporter.role", "guardian"), e => e.Field == "reporter.role");
        Assert.Equal(WireNames.Indicators.Keys.Order(StringComparer.Ordinal), indicators);
        Assert.Equal(("integer", 0, 17), (age["type"]!.AsArray().Select(t => t!.ToString()).First(t => t != "null"), age["minimum"]!.GetValue<int>(), age["maximum"]!.GetValue<int>()));
        foreach (var postcode in new[] { "B15 2TT", "b152tt", "B15", "SW1A 1AA", "M1", "EC1A 1BB", "not a postcode", "B15 2T", "1234", "B 15" })
        {
            Assert.True(pattern.IsMatch(postcode) == ErrorsAt("child.postcode", postcode).All(e => e.Field != "child.postcode"),
                $"{postcode}: the documented pattern and the reader disagree");
        }
    }

    /// <summary>The reader's errors for a valid report with one field set to <paramref name="value"/>.</summary>
    private static IReadOnlyList<FieldError> ErrorsAt(string path, string value)
    {
        var report = JsonNode.Parse("""{"reporter":{"role":"parent"},"child":{},"concern":{"description":"A valid description of what happened."},"suspect":{}}""")!;
        var parts = path.Split('.');
        report[parts[0]]![parts[1]] = value;
        return ConcernReportReader.Read(Encoding.UTF8.GetBytes(report.ToJsonString())).Errors;
    }
}
