using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;

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

    /// <summary>Every function as the worker declares it to the host: functions.metadata in the app's build output.</summary>
    public static IReadOnlyList<(string Name, string TriggerType)> Functions() =>
        [.. Metadata().Select(f => (f["name"]!.GetValue<string>(), Trigger(f)["type"]!.GetValue<string>()))];

    /// <summary>Every HTTP-triggered function in functions.metadata (host.json's routePrefix is empty).</summary>
    public static IReadOnlyList<FunctionRoute> FromMetadata() =>
        [.. Metadata().Select(f => (Name: f["name"]!.GetValue<string>(), Trigger: Trigger(f)))
            .Where(f => f.Trigger["type"]!.GetValue<string>() == "httpTrigger")
            .Select(f => new FunctionRoute(f.Name, f.Trigger["route"]?.GetValue<string>() ?? f.Name,
                f.Trigger["methods"] is System.Text.Json.Nodes.JsonArray m ? [.. m.Select(x => x!.GetValue<string>().ToUpperInvariant())] : ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]))];

    private static IEnumerable<System.Text.Json.Nodes.JsonObject> Metadata() =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata")))!.AsArray().Select(f => f!.AsObject());

    private static System.Text.Json.Nodes.JsonObject Trigger(System.Text.Json.Nodes.JsonObject function) =>
        function["bindings"]!.AsArray().Select(b => b!.AsObject()).First(b => b["type"]!.GetValue<string>().EndsWith("Trigger", StringComparison.Ordinal));

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
