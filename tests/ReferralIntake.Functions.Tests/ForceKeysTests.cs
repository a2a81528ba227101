using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// A force's key for the force API and the force view. local.settings.sample.json gives West Mercia a development
/// key so docs/forces.md's examples run against ./run.sh; marked LocalOnly, it must open nothing in a real deployment.
/// </summary>
public sealed class ForceKeysTests
{
    private const string DevelopmentKey = "local-west-mercia-only-key";
    private const string RealKey = "a-real-force-key-from-key-vault";
    private const string RealStorage = "DefaultEndpointsProtocol=https;AccountName=referralintakeprod;AccountKey=bm90LWEta2V5;EndpointSuffix=core.windows.net";

    private static ForceKeys Keys(string storage)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["Forces:west-mercia:KeySha256"] = Partners.HashKey(DevelopmentKey),
            ["Forces:west-mercia:LocalOnly"] = "true",
            ["Forces:warwickshire:KeySha256"] = Partners.HashKey(RealKey),
        }).Build();
        return new ForceKeys(configuration, new StorageClients(configuration));
    }

    [Fact]
    public void The_development_force_key_works_only_against_Azurite_from_loopback_and_a_real_key_works_anywhere()
    {
        var local = Keys("UseDevelopmentStorage=true");
        var real = Keys(RealStorage);

        Assert.Equal("west-mercia", local.Authenticate(DevelopmentKey, IPAddress.Loopback));
        Assert.Equal("west-mercia", local.Authenticate(DevelopmentKey, IPAddress.IPv6Loopback));
        Assert.Null(local.Authenticate(DevelopmentKey, IPAddress.Parse("203.0.113.7"))); // Azurite, but not from this machine
        Assert.Null(local.Authenticate(DevelopmentKey, null));
        Assert.Null(real.Authenticate(DevelopmentKey, IPAddress.Loopback)); // a real storage account: the sample key opens nothing

        Assert.Equal("warwickshire", real.Authenticate(RealKey, IPAddress.Parse("203.0.113.7")));
        Assert.Equal("warwickshire", local.Authenticate(RealKey, IPAddress.Parse("203.0.113.7")));
        Assert.Null(real.Authenticate("not-a-key", IPAddress.Loopback));
        Assert.Null(real.Authenticate(null, IPAddress.Loopback));
    }

    [Fact]
    public void The_sample_settings_mark_every_force_key_they_hold_as_local_only()
    {
        var values = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")))!["Values"]!.AsObject();
        var forceKeys = values.Select(v => v.Key).Where(k => k.StartsWith("Forces__", StringComparison.Ordinal) && k.EndsWith("__KeySha256", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(forceKeys);
        Assert.All(forceKeys, key => Assert.Equal("true", values[key.Replace("__KeySha256", "__LocalOnly", StringComparison.Ordinal)]?.GetValue<string>()));
    }
}
