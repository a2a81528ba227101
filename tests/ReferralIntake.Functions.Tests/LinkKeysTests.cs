using Microsoft.Extensions.Configuration;
using ReferralIntake.Domain.Links;
using ReferralIntake.Functions.Links;

namespace ReferralIntake.Functions.Tests;

/// <summary>The link index's keys: a keyed hash of the account, its key a secret that must be set anywhere but Azurite.</summary>
public sealed class LinkKeysTests
{
    private static IConfiguration Settings(string? key) =>
        new ConfigurationBuilder().AddInMemoryCollection(key is null ? [] : [KeyValuePair.Create("Links:Key", (string?)key)]).Build();

    [Fact]
    public void Without_a_key_outside_local_development_the_app_does_not_start_and_names_the_setting()
    {
        var missing = Assert.Throws<InvalidOperationException>(() => new LinkKeys(Settings(null), developmentStorage: false));
        var short_ = Assert.Throws<InvalidOperationException>(() => new LinkKeys(Settings("too-short"), developmentStorage: false));

        Assert.Contains("Links__Key", missing.Message, StringComparison.Ordinal);
        Assert.Contains("Links__Key", short_.Message, StringComparison.Ordinal);
        Assert.NotNull(new LinkKeys(Settings(null), developmentStorage: true)); // Azurite: the local development key stands in
    }

    [Fact]
    public void One_account_is_one_key_under_one_secret_and_nothing_in_it_names_the_account()
    {
        var account = new Account("snapchat", "example_user");
        var keys = new LinkKeys(Settings(new string('a', 32)), developmentStorage: false);
        var other = new LinkKeys(Settings(new string('b', 32)), developmentStorage: false);

        Assert.Equal(keys.Of(account), keys.Of(new Account("snapchat", "example_user")));
        Assert.NotEqual(keys.Of(account), keys.Of(new Account("instagram", "example_user")));
        Assert.NotEqual(keys.Of(account), other.Of(account)); // without the secret, a guess cannot be tested
        Assert.Matches("^[0-9a-f]{64}$", keys.Of(account));
    }
}
