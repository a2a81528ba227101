using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ReferralIntake.Functions.Tests.Infra;

/// <summary>
/// A compiled ARM template (the Bicep CLI's output) read as Azure would deploy it: every resource of
/// every nested module deployment, with names and properties evaluated where they depend only on
/// parameters, variables and literals. What depends on the deployment itself (reference(),
/// resourceId(), uniqueString()) evaluates to null: unknown here, known only in Azure.
/// </summary>
public sealed class ArmTemplate
{
    public ArmTemplate(JsonObject template, JsonObject? parameterValues = null)
    {
        var values = new Dictionary<string, JsonNode?>();
        foreach (var (name, _) in template["parameters"]?.AsObject() ?? [])
        {
            if (parameterValues?[name]?["value"] is { } given)
            {
                values[name] = given.DeepClone();
            }
        }

        Template = template;
        Collect(new ArmScope(template, values), template, Resources);
    }

    public JsonObject Template { get; }

    public List<ArmResource> Resources { get; } = [];

    public IEnumerable<ArmResource> OfType(string type) =>
        Resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase));

    private static void Collect(ArmScope scope, JsonObject template, List<ArmResource> into)
    {
        foreach (var node in Enumerate(template["resources"]))
        {
            var resource = node!.AsObject();
            var type = (string)resource["type"]!;
            if (resource["copy"]?["count"] is { } count)
            {
                // A copy loop: one resource per index, copyIndex() evaluating to it.
                var n = scope.Evaluate(count) is JsonValue v && v.TryGetValue<int>(out var c) ? c : 0;
                for (var i = 0; i < n; i++)
                {
                    Add(type, resource, scope.WithCopyIndex(i), into); // a module loop too: each copy with its own parameters
                }

                continue;
            }

            Add(type, resource, scope, into);
        }
    }

    private static void Add(string type, JsonObject resource, ArmScope scope, List<ArmResource> into)
    {
        into.Add(new ArmResource(type, resource, scope));
        if (type == "Microsoft.Resources/deployments" && resource["properties"]?["template"] is JsonObject nested)
        {
            var values = new Dictionary<string, JsonNode?>();
            foreach (var (name, given) in resource["properties"]?["parameters"]?.AsObject() ?? [])
            {
                // { "value": … }, or an expression that makes one (a conditional parameter).
                values[name] = given is JsonObject wrapped ? scope.Evaluate(wrapped["value"]) : scope.Evaluate(given)?["value"]?.DeepClone();
            }

            Collect(new ArmScope(nested, values), nested, into);
        }
    }

    // Templates with symbolic names keep resources in an object; Bicep's default output uses an array.
    private static IEnumerable<JsonNode?> Enumerate(JsonNode? resources) => resources switch
    {
        JsonArray array => array,
        JsonObject map => map.Select(p => p.Value),
        _ => [],
    };
}

/// <summary>One resource in its module: its raw JSON and the scope that evaluates its expressions.</summary>
public sealed record ArmResource(string Type, JsonObject Json, ArmScope Scope)
{
    /// <summary>The resource's full name ("account/default/queue" for a child), evaluated; null when only Azure knows it.</summary>
    public string? Name => Scope.Evaluate(Json["name"]) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>The last segment of the name: the queue's or container's own name.</summary>
    public string? LeafName => Name?.Split('/')[^1];

    /// <summary>A value under the resource, by path (e.g. "properties.minimumTlsVersion"), evaluated.</summary>
    public JsonNode? Get(string path)
    {
        JsonNode? node = Json;
        foreach (var part in path.Split('.'))
        {
            node = Scope.Evaluate(node)?[part];
            if (node is null)
            {
                return null;
            }
        }

        return Scope.Evaluate(node);
    }
}

/// <summary>The parameters and variables of one template, and a small evaluator of ARM template expressions.</summary>
public sealed class ArmScope(JsonObject template, IReadOnlyDictionary<string, JsonNode?> parameterValues, int? copyIndex = null)
{
    public ArmScope WithCopyIndex(int index) => new(template, parameterValues, index);

    /// <summary>Evaluates a node: "[expression]" strings are evaluated, objects and arrays member by member.</summary>
    public JsonNode? Evaluate(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) && IsExpression(text) => new Parser(text[1..^1], this).Parse(),
        JsonValue value when value.TryGetValue<string>(out var text) && text.StartsWith("[[", StringComparison.Ordinal) => JsonValue.Create(text[1..]),
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, Evaluate(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Evaluate)]),
        _ => node?.DeepClone(),
    };

    private static bool IsExpression(string text) =>
        text.Length >= 2 && text[0] == '[' && text[^1] == ']' && !text.StartsWith("[[", StringComparison.Ordinal);

    /// <summary>Stands, inside a string, for a value known only at deployment.</summary>
    public const string Unknown = "\u27e8deployment\u27e9";

    private JsonNode? Parameter(string name) =>
        parameterValues.TryGetValue(name, out var value) ? value?.DeepClone()
        : Evaluate(template["parameters"]?[name]?["defaultValue"]);

    private JsonNode? Variable(string name) => Evaluate(template["variables"]?[name]);

    private JsonValue? CopyIndex(int offset) => copyIndex is { } i ? JsonValue.Create(i + offset) : null;

    /// <summary>A recursive-descent reader of one expression; unknown functions yield null (unknown).</summary>
    private sealed class Parser(string text, ArmScope scope)
    {
        private readonly Dictionary<string, JsonNode?> _lambdaVariables = [];
        private int _at;

        public JsonNode? Parse()
        {
            var value = Expression();
            Skip();
            return _at == text.Length ? value : throw new FormatException($"Unexpected '{text[_at..]}' in [{text}]");
        }

        private JsonNode? Expression()
        {
            var value = Primary();
            while (true)
            {
                Skip();
                if (Accept('.'))
                {
                    var member = Identifier();
                    value = value is JsonObject obj ? obj[member]?.DeepClone() : null;
                }
                else if (Accept('['))
                {
                    var index = Expression();
                    Expect(']');
                    value = (value, index) switch
                    {
                        (JsonArray a, JsonValue i) when i.TryGetValue<int>(out var n) && n < a.Count => a[n]?.DeepClone(),
                        (JsonObject o, JsonValue k) when k.TryGetValue<string>(out var s) => o[s]?.DeepClone(),
                        _ => null,
                    };
                }
                else
                {
                    return value;
                }
            }
        }

        private JsonNode? Primary()
        {
            Skip();
            if (Peek() == '\'')
            {
                return JsonValue.Create(StringLiteral());
            }

            if (char.IsDigit(Peek()) || Peek() == '-')
            {
                var start = _at++;
                while (_at < text.Length && char.IsDigit(text[_at]))
                {
                    _at++;
                }

                return JsonValue.Create(int.Parse(text[start.._at], CultureInfo.InvariantCulture));
            }

            var name = Identifier();
            if (name is "true" or "false")
            {
                if (Accept('(')) // true() and false() as Bicep compiles them
                {
                    Expect(')');
                }

                return JsonValue.Create(name == "true");
            }

            Expect('(');
            if (name == "lambda")
            {
                return Lambda();
            }

            var args = new List<JsonNode?>();
            Skip();
            if (!Accept(')'))
            {
                do
                {
                    args.Add(Expression());
                    Skip();
                }
                while (Accept(','));
                Expect(')');
            }

            return Call(name, args);
        }

        /// <summary>lambda('x', body): kept as its source text, evaluated when toObject applies it.</summary>
        private JsonNode Lambda()
        {
            Skip();
            var variable = StringLiteral();
            Skip();
            Expect(',');
            var start = _at;
            _ = Expression();
            var body = text[start.._at];
            Skip();
            Expect(')');
            return new JsonObject { ["$lambda"] = variable, ["$body"] = body };
        }

        private JsonNode? Apply(JsonNode? lambda, JsonNode? argument)
        {
            if (lambda?["$lambda"]?.GetValue<string>() is not { } variable)
            {
                return null;
            }

            var inner = new Parser(lambda["$body"]!.GetValue<string>(), scope);
            foreach (var (k, v) in _lambdaVariables)
            {
                inner._lambdaVariables[k] = v;
            }

            inner._lambdaVariables[variable] = argument?.DeepClone();
            return inner.Parse();
        }

        private JsonNode? Call(string name, List<JsonNode?> args)
        {
            string? Text(int i) => args.ElementAtOrDefault(i) is JsonValue v ? v.ToString() : null;

            // Inside a string, a value only Azure knows stands as a marker, so "{account}/default/referrals"
            // still names the queue; the marker never equals a literal the checks expect.
            string Part(int i) => Text(i) ?? Unknown;
            switch (name.ToLowerInvariant())
            {
                case "parameters":
                    return scope.Parameter(Text(0)!);
                case "variables":
                    return scope.Variable(Text(0)!);
                case "lambdavariables":
                    return _lambdaVariables.TryGetValue(Text(0)!, out var bound) ? bound?.DeepClone() : null;
                case "copyindex":
                    return scope.CopyIndex(args.LastOrDefault() is JsonValue offset && offset.TryGetValue<int>(out var by) ? by : 0);
                case "length":
                    return args[0] switch
                    {
                        JsonArray a => JsonValue.Create(a.Count),
                        JsonObject o => JsonValue.Create(o.Count),
                        JsonValue v when v.TryGetValue<string>(out var text) => JsonValue.Create(text.Length),
                        _ => null,
                    };
                case "string":
                    return args[0] is JsonValue sv ? JsonValue.Create(sv.ToString()) : null;
                case "format":
                    if (Text(0) is null)
                    {
                        return null;
                    }

                    var format = Text(0)!;
                    var result = new StringBuilder();
                    for (var i = 0; i < format.Length; i++)
                    {
                        if (format[i] == '{' && format.IndexOf('}', i) is var end and > 0 && int.TryParse(format[(i + 1)..end], out var n))
                        {
                            result.Append(Part(n + 1));
                            i = end;
                        }
                        else
                        {
                            result.Append(format[i]);
                        }
                    }

                    return JsonValue.Create(result.ToString());
                case "filter":
                    return args[0] is JsonArray all
                        ? new JsonArray([.. all.Where(item => Apply(args[1], item) is JsonValue kept && kept.TryGetValue<bool>(out var yes) && yes).Select(item => item?.DeepClone())])
                        : null;
                case "not":
                    return args[0] is JsonValue nb && nb.TryGetValue<bool>(out var b) ? JsonValue.Create(!b) : null;
                case "coalesce":
                    return args.FirstOrDefault(a => a is not null)?.DeepClone();
                case "tryget":
                    return args[0] is JsonObject from && Text(1) is { } member ? from[member]?.DeepClone() : null;
                case "empty":
                    return args[0] switch
                    {
                        JsonArray a => JsonValue.Create(a.Count == 0),
                        JsonObject o => JsonValue.Create(o.Count == 0),
                        JsonValue v when v.TryGetValue<string>(out var text) => JsonValue.Create(text.Length == 0),
                        _ => null,
                    };
                case "if":
                    return args[0] is JsonValue cond && cond.TryGetValue<bool>(out var holds) ? (holds ? args[1] : args[2])?.DeepClone() : null;
                case "createarray":
                    return new JsonArray([.. args.Select(a => a?.DeepClone())]);
                case "greater":
                    return double.TryParse(Text(0), CultureInfo.InvariantCulture, out var l) && double.TryParse(Text(1), CultureInfo.InvariantCulture, out var r)
                        ? JsonValue.Create(l > r) : null;
                case "createobject":
                    var created = new JsonObject();
                    for (var i = 0; i + 1 < args.Count; i += 2)
                    {
                        created[Text(i)!] = args[i + 1]?.DeepClone();
                    }

                    return created;
                case "subscriptionresourceid":
                    return JsonValue.Create($"/subscriptions/{Unknown}/providers/{string.Join('/', args.Select((_, i) => Part(i)))}");
                case "concat":
                    return JsonValue.Create(string.Concat(args.Select((_, i) => Part(i))));
                case "union":
                    if (args.Any(a => a is not JsonObject))
                    {
                        return null;
                    }

                    var union = new JsonObject();
                    foreach (var arg in args)
                    {
                        foreach (var (k, v) in arg!.AsObject())
                        {
                            union[k] = v?.DeepClone();
                        }
                    }

                    return union;
                case "toobject":
                    if (args[0] is not JsonArray items)
                    {
                        return null;
                    }

                    var map = new JsonObject();
                    foreach (var item in items)
                    {
                        var key = Apply(args[1], item)?.ToString();
                        if (key is null)
                        {
                            return null;
                        }

                        map[key] = args.Count > 2 ? Apply(args[2], item) : item?.DeepClone();
                    }

                    return map;
                default:
                    return null; // resourceId, reference, uniqueString, guid...: known only at deployment
            }
        }

        private string StringLiteral()
        {
            Expect('\'');
            var value = new StringBuilder();
            while (true)
            {
                if (_at >= text.Length)
                {
                    throw new FormatException($"Unterminated string in [{text}]");
                }

                var c = text[_at++];
                if (c == '\'')
                {
                    if (_at < text.Length && text[_at] == '\'')
                    {
                        value.Append('\'');
                        _at++;
                        continue;
                    }

                    return value.ToString();
                }

                value.Append(c);
            }
        }

        private string Identifier()
        {
            Skip();
            var start = _at;
            while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] == '_'))
            {
                _at++;
            }

            return _at > start ? text[start.._at] : throw new FormatException($"Expected a name at {_at} in [{text}]");
        }

        private char Peek() => _at < text.Length ? text[_at] : '\0';

        private bool Accept(char c)
        {
            Skip();
            if (Peek() != c)
            {
                return false;
            }

            _at++;
            return true;
        }

        private void Expect(char c)
        {
            if (!Accept(c))
            {
                throw new FormatException($"Expected '{c}' at {_at} in [{text}]");
            }
        }

        private void Skip()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }
    }
}
