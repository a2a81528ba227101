using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests.Infra;

/// <summary>What one compile of an infra folder gave: the templates, and every diagnostic the CLI printed.</summary>
public sealed record CompiledInfra(JsonObject Main, IReadOnlyDictionary<string, JsonObject> ParameterFiles, IReadOnlyList<string> Diagnostics, IReadOnlyList<string> Failures)
{
    /// <summary>Compiled with no error and no warning: what ./test.sh demands.</summary>
    public bool Clean => Diagnostics.Count == 0 && Failures.Count == 0;

    /// <summary>main.bicep as deployed with one parameter file (e.g. "main.dev.bicepparam").</summary>
    public ArmTemplate With(string parameterFile) => new(Main, ParameterFiles[parameterFile]["parameters"]!.AsObject());
}

/// <summary>
/// The Bicep CLI pinned in Directory.Packages.props (Azure.Bicep.CommandLine.linux-x64, whose
/// tools/bicep is the CLI; the package's props give its path, stamped into this assembly at build).
/// Compiles infra/main.bicep and every .bicepparam beside it with the linter rules of
/// infra/bicepconfig.json.
/// </summary>
public static class BicepCompiler
{
    public static string CliPath { get; } = typeof(BicepCompiler).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "BicepPath").Value!;

    public static string RepoInfra => Path.Combine(RepoPaths.Root, "infra");

    public static async Task<CompiledInfra> CompileAsync(string infraFolder)
    {
        var output = Directory.CreateTempSubdirectory("ri-arm-").FullName;
        try
        {
            var parameterFiles = Directory.GetFiles(infraFolder, "*.bicepparam").Select(Path.GetFileName).Order().ToList();
            var runs = new List<Task<(string File, int Exit, string Output)>>
            {
                RunAsync("main.bicep", ["build", Path.Combine(infraFolder, "main.bicep"), "--outfile", Path.Combine(output, "main.json")]),
            };
            runs.AddRange(parameterFiles.Select(p => RunAsync(p!, ["build-params", Path.Combine(infraFolder, p!), "--outfile", Path.Combine(output, p + ".json")])));
            var results = await Task.WhenAll(runs);

            // The CLI prints one line per diagnostic: "path(line,col) : Warning|Error code: message".
            var diagnostics = results.SelectMany(r => r.Output.Split('\n'))
                .Select(l => l.Trim())
                .Where(l => l.Contains(" : Warning ", StringComparison.Ordinal) || l.Contains(" : Error ", StringComparison.Ordinal) || l.Contains(" : Info ", StringComparison.Ordinal))
                .Distinct().ToList();
            var failures = results.Where(r => r.Exit != 0).Select(r => $"{r.File}: bicep exited {r.Exit}").ToList();
            JsonObject? Read(string file) => File.Exists(file) ? JsonNode.Parse(File.ReadAllText(file))!.AsObject() : null;
            return new CompiledInfra(
                Read(Path.Combine(output, "main.json")) ?? [],
                parameterFiles.Where(p => File.Exists(Path.Combine(output, p + ".json"))).ToDictionary(p => p!, p => Read(Path.Combine(output, p + ".json"))!),
                diagnostics,
                failures);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static async Task<(string File, int Exit, string Output)> RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(CliPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["BICEP_TRACING_ENABLED"] = "false";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {CliPath}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (file, process.ExitCode, await stdout + "\n" + await stderr);
    }

    /// <summary>A copy of infra/ in a temporary folder, changed by <paramref name="change"/> (file name relative to infra/, new text).</summary>
    public static string CopyOfInfra(Func<string, string, string> change)
    {
        var copy = Directory.CreateTempSubdirectory("ri-infra-").FullName;
        foreach (var file in Directory.GetFiles(RepoInfra, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(RepoInfra, file);
            var target = Path.Combine(copy, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, change(relative.Replace('\\', '/'), File.ReadAllText(file)));
        }

        return copy;
    }
}

/// <summary>The repo's infra, compiled once for the whole test assembly run.</summary>
public sealed class CompiledInfraFixture : IAsyncLifetime
{
    public CompiledInfra Infra { get; private set; } = null!;

    public async Task InitializeAsync() => Infra = await BicepCompiler.CompileAsync(BicepCompiler.RepoInfra);

    public Task DisposeAsync() => Task.CompletedTask;
}
