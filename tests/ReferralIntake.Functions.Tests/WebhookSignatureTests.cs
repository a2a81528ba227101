using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>The signature a force verifies (docs/forces.md), and the destinations it is sent to.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class WebhookSignatureTests(AzuriteFixture azurite)
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"contractVersion":1}""");
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void During_a_rotation_either_secret_verifies_and_no_other_does()
    {
        var timestamp = Now.ToUnixTimeSeconds();
        var header = WebhookSignature.Sign(["new-secret", "old-secret"], timestamp, "RI-1:police-force:x", Body);

        Assert.Equal(2, header.Split(", ").Length);
        Assert.True(WebhookSignature.Verify("new-secret", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture), "RI-1:police-force:x", header, Body, Now));
        Assert.True(WebhookSignature.Verify("old-secret", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture), "RI-1:police-force:x", header, Body, Now));
        Assert.False(WebhookSignature.Verify("third-secret", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture), "RI-1:police-force:x", header, Body, Now));
    }

    [Fact]
    public void The_reference_verifier_never_throws_whatever_the_headers_hold()
    {
        var random = new Random(20261122);
        string?[] timestamps = ["", " ", "-1", "+5", "12345678901234", "99999999999999999999", "9223372036854775807", "253402300800", "1e9", "٣٤٥", "0x10", null];
        string?[] signatures = ["", "v1=", "v1=zz", new string('v', 5000), "v1=00, v1=", ",,,", "\u0000", null];
        for (var i = 0; i < 2_000; i++)
        {
            var timestamp = i < timestamps.Length ? timestamps[i] : random.Next(3) switch
            {
                0 => random.NextInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
                1 => new string((char)random.Next(32, 0x3000), random.Next(0, 20)),
                _ => timestamps[random.Next(timestamps.Length)],
            };
            var signature = signatures[random.Next(signatures.Length)];
            var key = random.Next(4) == 0 ? null : new string((char)random.Next(32, 127), random.Next(0, 200));
            var body = new byte[random.Next(0, 64)];
            random.NextBytes(body);

            var verified = WebhookSignature.Verify(random.Next(5) == 0 ? "" : "secret", timestamp, key, signature, body, Now);

            Assert.False(verified);
        }
    }

    [Theory]
    [InlineData("http://force.example.org/referrals", "must be an https:// URL")]
    [InlineData("not a url", "must be an https:// URL")]
    public void A_webhook_that_is_not_HTTPS_stops_the_app_at_start_with_the_setting_named(string url, string expected)
    {
        var error = Assert.ThrowsAny<Exception>(() =>
        {
            using var app = new TestApp(azurite, new()
            {
                [TestApp.QueueTriggersOff] = "true",
                ["Destinations:west-mercia:Url"] = url,
                ["Destinations:west-mercia:Secret"] = "s",
            });
            _ = app.Services.GetRequiredService<Destinations>();
        });

        var message = error.ToString();
        Assert.Contains("Destinations__west-mercia__Url", message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pulling_force_without_its_list_stops_the_app_at_start_with_the_setting_named()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new Destinations(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Destinations:west-mercia:Pull"] = "true",
            ["Destinations:west-mercia:ForceView"] = "false",
            ["Destinations:west-mercia:Secret"] = "s",
        }).Build()));
        Assert.Contains("Destinations__west-mercia pulls", error.Message, StringComparison.Ordinal);

        var webhookOnly = new Destinations(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Destinations:warwickshire:Url"] = "https://force.example.org/referrals",
            ["Destinations:warwickshire:Secret"] = "s",
            ["Destinations:warwickshire:ForceView"] = "false",
        }).Build());
        Assert.False(webhookOnly.For("warwickshire")!.ForceView);
    }
}
