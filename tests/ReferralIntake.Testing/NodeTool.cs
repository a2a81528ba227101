using System.Diagnostics;

namespace ReferralIntake.Functions.Tests.Support;

/// <summary>Runs a tool from the repo's npm packages (pinned in package.json) as a developer would, bounded in time.</summary>
public static class NodeTool
{
    /// <param name="script">The tool's script under node_modules, e.g. "nswag/bin/nswag.js".</param>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string script, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "node_modules", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output, await errors);
    }
}
