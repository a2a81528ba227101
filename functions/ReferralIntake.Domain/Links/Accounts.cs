using System.Collections.Immutable;
using ReferralIntake.Domain.Reports;

namespace ReferralIntake.Domain.Links;

/// <summary>An online account a report names, normalised: a listed platform's id and the handle, case folded, without a leading <c>@</c>.</summary>
public sealed record Account(string PlatformId, string Handle)
{
    /// <summary>The one text a link key is made from (<c>snapchat:example_user</c>).</summary>
    public override string ToString() => $"{PlatformId}:{Handle}";
}

/// <summary>
/// The accounts a report names (TRIAGE.md, "Linked reports"): each of <c>suspect.usernames</c> on
/// <c>suspect.platform</c>, or, without one, on the report's one platform when <c>concern.platforms</c>
/// names exactly one. Compared after normalising: case folded, spaces around it and a leading <c>@</c>
/// removed, a profile address on a listed platform read as its handle (the address names the platform).
/// Not an account: a username with no platform (too ambiguous), a platform not on the list (no way to
/// tell its spellings apart, nor a platform from "a game"), and any other address. Pure.
/// </summary>
public static class Accounts
{
    public static ImmutableArray<Account> Of(ConcernReport report, PlatformDirectory platforms) =>
        Of(report.Suspect.Usernames, report.Suspect.Platform, report.Concern.Platforms, platforms);

    public static ImmutableArray<Account> Of(IEnumerable<string> usernames, string? suspectPlatform, IReadOnlyList<string> concernPlatforms, PlatformDirectory platforms)
    {
        var stated = suspectPlatform is { Length: > 0 } named ? platforms.Find(named)
            : concernPlatforms.Count == 1 ? platforms.Find(concernPlatforms[0])
            : null;
        var accounts = new List<Account>();
        foreach (var username in usernames)
        {
            var account = platforms.FromProfileAddress(username) is { } address ? Normalise(address.Platform, address.Handle)
                : PlatformDirectory.LooksLikeAddress(username) || stated is null ? null
                : Normalise(stated, username);
            if (account is not null && !accounts.Contains(account))
            {
                accounts.Add(account);
            }
        }

        return [.. accounts];
    }

    private static Account? Normalise(Platform platform, string handle)
    {
        var folded = PlatformDirectory.Fold(handle).TrimStart('@').Trim();
        return folded.Length == 0 ? null : new Account(platform.Id, folded);
    }
}
