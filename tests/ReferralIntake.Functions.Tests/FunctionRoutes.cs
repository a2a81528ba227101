using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>One HTTP function as the Functions host sees it: its route template (routePrefix is empty) and methods.</summary>
public sealed record FunctionRoute(string Function, string Route, IReadOnlyList<string> Methods)
{
    /// <summary>
    /// Whether the host would send this request to this function: ASP.NET Core's template matching (what
    /// the host uses for function routes), with the inline constraints the repo uses (regex, int, alpha).
    /// </summary>
    public bool Matches(string method, string path)
    {
        if (!Methods.Contains(method, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        var pattern = RoutePatternFactory.Parse(Route);
        var values = new Microsoft.AspNetCore.Routing.RouteValueDictionary();
        if (!new TemplateMatcher(TemplateParser.Parse(Route), []).TryMatch(path, values))
        {
            return false;
        }

        foreach (var parameter in pattern.Parameters)
        {
            var value = values.TryGetValue(parameter.Name, out var v) ? v?.ToString() : null;
            if (string.IsNullOrEmpty(value))
            {
                continue; // an optional parameter left out: its constraints do not apply
            }

            foreach (var policy in parameter.ParameterPolicies.Select(p => p.Content ?? ""))
            {
                var ok = policy switch
                {
                    "int" => int.TryParse(value, out _),
                    "alpha" => value.All(char.IsLetter),
                    _ when policy.StartsWith("regex(", StringComparison.Ordinal) => Regex.IsMatch(value, policy[6..^1], RegexOptions.IgnoreCase | RegexOptions.CultureInvariant),
                    _ => throw new InvalidOperationException($"{Function}: the test does not know the route constraint '{policy}'"),
                };
                if (!ok)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Every HTTP-triggered function.json in the app.</summary>
    public static IReadOnlyList<FunctionRoute> FromRepo() => FromJsons(
        Directory.GetDirectories(Path.Combine(RepoPaths.Root, "functions", "ReferralIntake.Functions"))
            .Where(d => File.Exists(Path.Combine(d, "function.json")))
            .ToDictionary(d => Path.GetFileName(d), d => File.ReadAllText(Path.Combine(d, "function.json"))));

    public static IReadOnlyList<FunctionRoute> FromJsons(IReadOnlyDictionary<string, string> functionJsons) =>
        [.. functionJsons.SelectMany(f => JsonDocument.Parse(f.Value).RootElement.GetProperty("bindings").EnumerateArray()
            .Where(b => b.GetProperty("type").GetString() == "httpTrigger")
            .Select(b => new FunctionRoute(f.Key, b.GetProperty("route").GetString()!,
                b.TryGetProperty("methods", out var m) ? [.. m.EnumerateArray().Select(x => x.GetString()!.ToUpperInvariant())] : ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"])))];

    /// <summary>A path that an app route template would answer: each parameter given a plausible value.</summary>
    public static string SamplePath(string appRoute) =>
        "/" + Regex.Replace(appRoute.Trim('/'), @"\{\*?([a-zA-Z]+)[^}]*\}", m => m.Groups[1].Value switch
        {
            "reference" => "RI-AAAA-BBBB-CCCC",
            "forceId" => "west-mercia",
            "documentName" => "v1",
            _ => "sample",
        });
}
