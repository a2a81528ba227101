using System.Collections;
using System.Reflection;
using System.Security;
using System.Text;
using System.Xml.Linq;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// The native executable's start-up depends on Hosting/NativeStartupTypes.rd.xml. The service container closes
/// open generics at run time (<c>ILogger&lt;T&gt;</c>, <c>IOptions&lt;T&gt;</c> and each options type's factory,
/// cache, monitor and the arrays it injects); NativeAOT then builds each such type in its type loader, which
/// was a third of the main thread's start-up (docs/benchmarks.md, "Start-up"). The file names those types so
/// the compiler builds them ahead of time. This test takes the app through its first paths (the form page,
/// a partner's report, triage, delivery to a force, the status), asks its container which generic types it
/// closed, and fails if the file misses one or names one that no longer exists.
/// To rewrite the file: <c>REFERRALINTAKE_WRITE_STARTUP_TYPES=1 dotnet test --filter NativeStartupTypesTests</c>.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class NativeStartupTypesTests(AzuriteFixture azurite)
{
    private const string RewriteSetting = "REFERRALINTAKE_WRITE_STARTUP_TYPES";

    private static string DirectivesFile => Path.Combine(RepoPaths.Root, "functions", "ReferralIntake.Functions", "Hosting", "NativeStartupTypes.rd.xml");

    [Fact]
    public async Task The_directives_name_every_generic_type_the_container_closes_on_the_first_paths()
    {
        var needed = await ClosedGenericTypesOnTheFirstPathsAsync();
        Assert.True(needed.Count > 100, $"only {needed.Count} closed generic types were found: the container's internals may have changed");
        if (Environment.GetEnvironmentVariable(RewriteSetting) == "1")
        {
            File.WriteAllText(DirectivesFile, Directives(needed));
        }

        var listed = Listed(XDocument.Load(DirectivesFile));
        var missing = needed.Select(Name).Except(listed.Select(l => l.Name)).Order(StringComparer.Ordinal).ToArray();
        var gone = listed.Where(l => Type.GetType($"{l.Name}, {l.Assembly}") is null).Select(l => l.Name).ToArray();
        Assert.True(missing.Length == 0, $"{missing.Length} generic types the container closes are not in {DirectivesFile} (the native app builds them at start-up): rewrite it with {RewriteSetting}=1.\n{string.Join("\n", missing.Take(20))}");
        Assert.True(gone.Length == 0, $"{DirectivesFile} names types that no longer exist (the native publish would fail): rewrite it with {RewriteSetting}=1.\n{string.Join("\n", gone.Take(20))}");
    }

    private async Task<IReadOnlyCollection<Type>> ClosedGenericTypesOnTheFirstPathsAsync()
    {
        await using var force = await ForceServer.StartAsync();
        using var app = new TestApp(azurite, new Dictionary<string, string?>
        {
            ["Destinations:west-mercia:Url"] = force.Url.ToString(),
            ["Destinations:west-mercia:Secret"] = ForceServer.Secret,
        });
        using var form = await app.Client.GetAsync("/report");
        Assert.True(form.IsSuccessStatusCode, $"the form page answered {(int)form.StatusCode}");
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        await app.StatusWhenAsync(accepted.Reference, "delivered");
        return ClosedGenericTypes(app.Services);
    }

    /// <summary>
    /// Every constructed generic type in the container's record of what it has built: the service types, their
    /// implementations, the constructors' parameters, and the arrays behind each IEnumerable it injected. Those
    /// records are the container's internals (no public API lists them): if they move, this says so.
    /// </summary>
    private static HashSet<Type> ClosedGenericTypes(IServiceProvider services)
    {
        const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
        var factory = services.GetType().GetProperty("CallSiteFactory", Any)?.GetValue(services);
        var sites = factory?.GetType().GetField("_callSiteCache", Any)?.GetValue(factory) as IDictionary;
        Assert.True(sites is not null, "Microsoft.Extensions.DependencyInjection no longer keeps ServiceProvider.CallSiteFactory._callSiteCache: find where it records its call sites now");

        var app = AppAssemblies();
        var types = new HashSet<Type>();
        void Add(Type? type)
        {
            if (type is null || !OfTheApp(type, app))
            {
                return;
            }

            if (type.IsArray)
            {
                Add(type.GetElementType());
                if (type.GetElementType()!.IsConstructedGenericType)
                {
                    types.Add(type);
                }
            }
            else if (type.IsConstructedGenericType && !type.ContainsGenericParameters && types.Add(type))
            {
                foreach (var argument in type.GenericTypeArguments)
                {
                    Add(argument);
                }
            }
        }

        foreach (var site in sites.Values)
        {
            var kind = site!.GetType();
            Add(kind.GetProperty("ServiceType", Any)?.GetValue(site) as Type);
            Add(kind.GetProperty("ImplementationType", Any)?.GetValue(site) as Type);
            if (kind.GetProperty("ConstructorInfo", Any)?.GetValue(site) is ConstructorInfo constructor)
            {
                Add(constructor.DeclaringType);
                foreach (var parameter in constructor.GetParameters())
                {
                    Add(parameter.ParameterType);
                }
            }

            if (kind.GetProperty("ItemType", Any)?.GetValue(site) is Type item)
            {
                Add(item);
                Add(item.MakeArrayType());
                Add(typeof(IEnumerable<>).MakeGenericType(item));
            }
        }

        return types;
    }

    /// <summary>The app's own assemblies and what they reference: the test's (its logger, its host) never reach the executable.</summary>
    private static HashSet<string> AppAssemblies()
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { typeof(object).Assembly.GetName().Name! };
        var pending = new Queue<Assembly>([typeof(Program).Assembly]);
        while (pending.TryDequeue(out var assembly))
        {
            if (!names.Add(assembly.GetName().Name!))
            {
                continue;
            }

            foreach (var reference in assembly.GetReferencedAssemblies().Where(r => !names.Contains(r.Name!)))
            {
                try
                {
                    pending.Enqueue(Assembly.Load(reference));
                }
                catch (FileNotFoundException)
                {
                    // a reference the app never loads (a platform-specific one)
                }
            }
        }

        return names;
    }

    private static bool OfTheApp(Type type, HashSet<string> app) =>
        type.IsArray ? OfTheApp(type.GetElementType()!, app)
        : app.Contains(type.Assembly.GetName().Name!) && type.GenericTypeArguments.All(a => OfTheApp(a, app));

    /// <summary>A type as the directives name it: generic arguments as [[name,assembly]], arrays with [].</summary>
    private static string Name(Type type) =>
        type.IsArray ? Name(type.GetElementType()!) + "[]"
        : !type.IsConstructedGenericType ? type.FullName!
        : type.GetGenericTypeDefinition().FullName + "[" + string.Join(",", type.GenericTypeArguments.Select(a => $"[{Name(a)},{a.Assembly.GetName().Name}]")) + "]";

    private static string DefiningAssembly(Type type) =>
        type.IsArray ? DefiningAssembly(type.GetElementType()!) : type.Assembly.GetName().Name!;

    private static string Directives(IEnumerable<Type> types)
    {
        var text = new StringBuilder("""
            <?xml version="1.0" encoding="utf-8"?>
            <!--
              The generic types the service container closes at run time on the app's first paths (start-up, the
              form page, a report, triage, delivery), so that NativeAOT compiles them ahead of time instead of
              building each in its type loader while the host starts (docs/benchmarks.md, "Start-up").
              Written by tests/ReferralIntake.Functions.Tests/NativeStartupTypesTests.cs when
              REFERRALINTAKE_WRITE_STARTUP_TYPES=1, and checked by it on every test run. Read by the ILCompiler
              (RdXmlFile in the project file).
            -->
            <Directives>
              <Application>

            """);
        foreach (var assembly in types.GroupBy(DefiningAssembly).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append("    <Assembly Name=\"").Append(assembly.Key).Append("\">\n");
            foreach (var name in assembly.Select(Name).Order(StringComparer.Ordinal))
            {
                text.Append("      <Type Name=\"").Append(SecurityElement.Escape(name)).Append("\" Dynamic=\"Required All\" />\n");
            }

            text.Append("    </Assembly>\n");
        }

        return text.Append("  </Application>\n</Directives>\n").ToString();
    }

    private static IReadOnlyList<(string Name, string Assembly)> Listed(XDocument directives) =>
        [.. directives.Descendants("Assembly").SelectMany(a => a.Elements("Type").Select(t => ((string)t.Attribute("Name")!, (string)a.Attribute("Name")!)))];
}
