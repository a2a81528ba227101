using System.Net;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.PartnerClient.Tests;

/// <summary>
/// A partner developer's first hour: generate a C# client from the served OpenAPI document with the
/// NSwag CLI (pinned in package.json) with its defaults (Newtonsoft.Json), compile it with Roslyn, and use it against the
/// running app on Azurite to
/// submit, retry with the same Idempotency-Key and read the status. Nothing is edited in between: if
/// the generator had to be told something, the document would be wrong.
/// </summary>
public sealed class GeneratedClientTests : IAsyncLifetime
{
    private readonly AzuriteFixture _azurite = new();
    private TestApp _app = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _app = new TestApp(_azurite);
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _azurite.DisposeAsync();
    }

    /// <summary>The NSwag CLI, as a partner would run it: openapi2csclient on the document as served.</summary>
    private async Task<string> GenerateClientAsync()
    {
        var folder = Directory.CreateTempSubdirectory("generated-client").FullName;
        var input = Path.Combine(folder, "openapi.json");
        var output = Path.Combine(folder, "ReferralIntakeClient.cs");
        await File.WriteAllTextAsync(input, await _app.Client.GetStringAsync("/api/openapi/v1.json"));
        var (exitCode, log, errors) = await NodeTool.RunAsync(Path.Combine("nswag", "bin", "nswag.js"),
            ["openapi2csclient", "/runtime:Net100", $"/input:{input}", $"/output:{output}", "/className:ReferralIntakeClient", "/namespace:Partner.Generated"]);
        Assert.True(exitCode == 0 && File.Exists(output), "nswag failed:\n" + log + errors);
        return await File.ReadAllTextAsync(output);
    }

    private static Assembly Compile(string code)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(Newtonsoft.Json.JsonConvert).Assembly.Location) // NSwag's default JSON library
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create("GeneratedPartnerClient", [CSharpSyntaxTree.ParseText(code)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var dll = new MemoryStream();
        var emitted = compilation.Emit(dll);
        Assert.True(emitted.Success, "the generated client does not compile:\n" + string.Join('\n', emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return new AssemblyLoadContext("generated-client", isCollectible: true).LoadFromStream(new MemoryStream(dll.ToArray()));
    }

    private static async Task<object?> CallAsync(object client, string method, params object?[] args)
    {
        var task = (Task)client.GetType().GetMethod(method, args.Select(a => a?.GetType() ?? typeof(string)).ToArray())!.Invoke(client, args)!;
        await task;
        return task.GetType().GetProperty("Result")?.GetValue(task);
    }

    [Fact]
    public async Task A_client_generated_from_the_document_submits_retries_and_reads_the_status()
    {
        var assembly = Compile(await GenerateClientAsync());
        using var http = new HttpClient { BaseAddress = _app.Client.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", TestApp.PartnerAKey); // the apiKey scheme: a partner's key on every call
        var clientType = assembly.GetType("Partner.Generated.ReferralIntakeClient")!;
        var client = Activator.CreateInstance(clientType, http)!;
        clientType.GetProperty("BaseUrl")?.SetValue(client, _app.Client.BaseAddress!.ToString());
        var requestType = assembly.GetType("Partner.Generated.ReferralRequest")!;
        var request = Newtonsoft.Json.JsonConvert.DeserializeObject(Samples.WestMerciaP2, requestType)!; // the partner's report, in the generated types

        var first = await CallAsync(client, "SubmitReferralAsync", "generated-client-1", "cy", request); // Idempotency-Key, Accept-Language, report
        var retried = await CallAsync(client, "SubmitReferralAsync", "generated-client-1", null, request);
        var reference = (string)first!.GetType().GetProperty("Reference")!.GetValue(first)!;
        var status = await Eventually.ValueAsync(
            async () => await CallAsync(client, "GetReferralStatusAsync", reference),
            s => (string?)s.GetType().GetProperty("Status")!.GetValue(s) == "delivered", TimeSpan.FromSeconds(30), "the referral to be delivered");

        Assert.Matches("^RI-", reference);
        Assert.Equal(reference, (string)retried!.GetType().GetProperty("Reference")!.GetValue(retried)!); // the same referral, not a second
        var advice = (System.Collections.IEnumerable)first.GetType().GetProperty("Advice")!.GetValue(first)!;
        var emergency = advice.Cast<object>().First();
        Assert.Equal("Os yw plentyn mewn perygl uniongyrchol, ffoniwch 999.", (string?)emergency.GetType().GetProperty("Text")!.GetValue(emergency)); // Accept-Language: cy
        var triage = status!.GetType().GetProperty("Triage")!.GetValue(status)!;
        Assert.Equal("P2", (string?)triage.GetType().GetProperty("Priority")!.GetValue(triage));
        Assert.Equal(1, await _app.ReferralFolderCountAsync());
    }

    [Fact]
    public async Task The_generated_client_reports_a_problem_as_an_exception_with_its_status()
    {
        var assembly = Compile(await GenerateClientAsync());
        using var http = new HttpClient { BaseAddress = _app.Client.BaseAddress }; // no key
        var client = Activator.CreateInstance(assembly.GetType("Partner.Generated.ReferralIntakeClient")!, http)!;
        client.GetType().GetProperty("BaseUrl")?.SetValue(client, _app.Client.BaseAddress!.ToString());

        var thrown = await Record.ExceptionAsync(() => CallAsync(client, "GetReferralStatusAsync", "RI-AAAA-BBBB-CCCC"));

        Assert.NotNull(thrown);
        Assert.Equal((int)HttpStatusCode.Unauthorized, (int)thrown!.GetType().GetProperty("StatusCode")!.GetValue(thrown)!);
    }
}
