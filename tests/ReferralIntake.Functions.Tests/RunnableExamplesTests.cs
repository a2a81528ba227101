using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// The commands in the README and the guides run as written (issue 27): every fenced <c>bash</c> block marked with
/// a <c>&lt;!-- runnable --&gt;</c> line just above it is run, a page's blocks in order in one bash process
/// (<c>set -euo pipefail</c>), against the published worker under the local host with local.settings.sample.json's
/// values on Azurite, as ./run.sh serves it. The only change made to a block: ./run.sh's address
/// (http://127.0.0.1:7071) becomes this test's. A broken example fails the build.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class RunnableExamplesTests(AzuriteFixture azurite)
{
    private const string RunShAddress = "http://127.0.0.1:7071";

    public static TheoryData<string> Pages()
    {
        var pages = new TheoryData<string>();
        foreach (var page in new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md").Select(p => Path.GetRelativePath(RepoPaths.Root, p)).Order(StringComparer.Ordinal)))
        {
            if (Blocks(page).Count > 0)
            {
                pages.Add(page);
            }
        }

        return pages;
    }

    /// <summary>The page's runnable blocks, in order.</summary>
    private static List<string> Blocks(string page) =>
        [.. Runnable().Matches(File.ReadAllText(Path.Combine(RepoPaths.Root, page))).Select(m => m.Groups["body"].Value)];

    [GeneratedRegex(@"^<!-- runnable -->\r?\n```bash\r?\n(?<body>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Runnable();

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task The_pages_runnable_examples_run_as_written_against_the_app_as_run_sh_serves_it(string page)
    {
        var settings = new Dictionary<string, string>();
        foreach (var (name, value) in JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "local.settings.sample.json")))!["Values"]!.AsObject())
        {
            settings[name] = value!.GetValue<string>();
        }

        var suffix = Guid.NewGuid().ToString("N")[..8];
        settings["AzureWebJobsStorage"] = azurite.ConnectionString;
        settings["ReferralQueueName"] = $"examples-{suffix}";
        settings["UrgentReferralQueueName"] = $"examples-{suffix}-urgent";
        settings["DeliveryQueueName"] = $"examples-{suffix}-deliveries";
        settings["ReferralContainerName"] = $"examples-{suffix}";
        using var app = await WorkerUnderLocalHost.StartAsync(settings);
        var address = app.Client.BaseAddress!.ToString().TrimEnd('/');
        var script = "set -euo pipefail\n" + string.Join("\n", Blocks(page)).Replace(RunShAddress, address, StringComparison.Ordinal);

        var (exitCode, output) = await BashAsync(script, TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"{page}: its runnable examples failed (exit {exitCode}):\n{output}\nThe host said:\n{app.Said()}");
    }

    private static async Task<(int ExitCode, string Output)> BashAsync(string script, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash", ["-c", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        using var bash = Process.Start(start)!;
        var output = new StringBuilder();
        var read = Task.WhenAll(
            Task.Run(async () => output.Append(await bash.StandardOutput.ReadToEndAsync())),
            Task.Run(async () => output.Append(await bash.StandardError.ReadToEndAsync())));
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await bash.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            bash.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}");
        }

        await read;
        return (bash.ExitCode, output.ToString());
    }
}
