using FsCheck;
using FsCheck.Fluent;
using ReferralIntake.Domain.Links;

namespace ReferralIntake.Domain.Tests;

/// <summary>The accounts a report names (TRIAGE.md, "Linked reports"): normalised so one account is one account however it is typed.</summary>
public class AccountsTests
{
    private static readonly PlatformDirectory Platforms = PlatformDirectory.Default;
    private static readonly Config Checks = Config.QuickThrowOnFailure.WithMaxTest(500);

    /// <summary>Handles as the platforms allow them: letters, digits, dots and underscores.</summary>
    private static readonly Gen<string> AnyHandle =
        from chars in Gen.Elements("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._".ToCharArray()).ArrayOf()
        where chars.Length is > 0 and <= 30
        select new string(chars);

    private static readonly Gen<string> Spaces = Gen.Elements("", " ", "  ", "\t");

    private static Account? One(string username, string? platform = null, params string[] concernPlatforms) =>
        Accounts.Of([username], platform, concernPlatforms, Platforms) is [var only] ? only : null;

    [Theory]
    [InlineData("@Example_User", "Snapchat")]
    [InlineData("example_user ", "snap")]
    [InlineData("  EXAMPLE_USER", "snapchat.com")]
    [InlineData("https://www.snapchat.com/add/example_user", "Snapchat")]
    [InlineData("snapchat.com/add/Example_User/", null)]
    [InlineData("@example_user", "https://www.snapchat.com/")]
    public void One_Snapchat_account_however_it_is_typed(string username, string? platform)
    {
        Assert.Equal(new Account("snapchat", "example_user"), One(username, platform));
    }

    [Fact]
    public void The_same_handle_on_another_platform_is_another_account()
    {
        Assert.Equal(new Account("instagram", "example_user"), One("@Example_User", "Instagram"));
        Assert.NotEqual(One("@Example_User", "Snapchat"), One("@Example_User", "Instagram"));
        Assert.Equal(new Account("tiktok", "example_user"), One("https://www.tiktok.com/@Example_User"));
        Assert.Equal(new Account("x", "example_user"), One("twitter.com/example_user", "X"));
        Assert.Equal(One("x.com/example_user"), One("@example_user", "Twitter"));
    }

    [Fact]
    public void A_lone_concern_platform_stands_in_for_a_missing_suspect_platform_and_two_do_not()
    {
        Assert.Equal(new Account("snapchat", "example_user"), One("@example_user", null, "Snapchat"));
        Assert.Null(One("@example_user", null, "Snapchat", "Instagram")); // which one? too ambiguous
        Assert.Equal(new Account("instagram", "example_user"), One("@example_user", "insta", "Snapchat", "TikTok")); // the suspect's own wins
    }

    [Theory]
    [InlineData("@example_user", null)]            // no platform
    [InlineData("@example_user", "a game")]        // not a platform on the list
    [InlineData("@example_user", "Wizz")]          // not on the list (yet)
    [InlineData("https://example.org/add/example_user", "Snapchat")] // an address, but not a profile on a listed platform
    [InlineData("https://www.snapchat.com/discover/something/else", "Snapchat")]
    [InlineData("@", "Snapchat")]                  // nothing left of it
    [InlineData("   ", "Snapchat")]
    public void Not_an_account(string username, string? platform)
    {
        Assert.Null(One(username, platform));
    }

    [Fact]
    public void The_same_account_twice_in_one_report_is_one_account()
    {
        Assert.Single(Accounts.Of(["@Example_User", "example_user", "https://snapchat.com/add/EXAMPLE_USER"], "Snapchat", [], Platforms));
    }

    [Fact]
    public void Case_a_leading_at_and_spaces_around_it_never_make_another_account()
    {
        var gen = from handle in AnyHandle
                  from upper in Gen.Elements(true, false)
                  from at in Gen.Elements("", "@")
                  from before in Spaces
                  from after in Spaces
                  from platform in Gen.Elements("Snapchat", "snap", "SNAPCHAT.COM", " Snap Chat ", "Instagram", "insta", "TikTok", "twitter", "X")
                  select (handle, typed: before + at + (upper ? handle.ToUpperInvariant() : handle.ToLowerInvariant()) + after, platform);
        Check.One(Checks, Prop.ForAll(gen.ToArbitrary(), x => One(x.typed, x.platform) == One(x.handle, x.platform) && One(x.handle, x.platform) is { } a && string.Equals(a.Handle, x.handle, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void A_profile_address_is_the_account_it_names()
    {
        var gen = from handle in AnyHandle
                  from scheme in Gen.Elements("", "http://", "https://")
                  from www in Gen.Elements("", "www.")
                  from tail in Gen.Elements("", "/", "?utm_source=share", "/#top")
                  from site in Gen.Elements(("snapchat.com/add/", "Snapchat"), ("instagram.com/", "Instagram"), ("tiktok.com/@", "TikTok"), ("x.com/", "X"), ("twitter.com/", "X"))
                  select (address: scheme + www + site.Item1 + handle + tail, handle, platform: site.Item2);
        Check.One(Checks, Prop.ForAll(gen.ToArbitrary(), x => One(x.address) == One(x.handle, x.platform) && One(x.address, "Snapchat") == One(x.address)));
    }

    [Fact]
    public void A_platform_not_on_the_list_or_no_platform_never_makes_an_account()
    {
        var listed = Platforms.Platforms.Select(p => p.Id).ToHashSet();
        var gen = from handle in AnyHandle
                  from platform in ArbMap.Default.GeneratorFor<string>()
                  where platform is null || Platforms.Find(platform) is null
                  select (handle, platform);
        Check.One(Checks, Prop.ForAll(gen.ToArbitrary(), x => One(x.handle, x.platform) is null));
        Assert.All(Platforms.Platforms, p => Assert.Equal(p, Platforms.Find(p.Name)));
        Assert.Equal(12, listed.Count);
    }
}
