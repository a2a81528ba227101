using System.Security.Cryptography;
using System.Text;
using ReferralIntake.Domain.Links;

namespace ReferralIntake.Functions.Links;

/// <summary>
/// The link index's key for an account: HMAC-SHA256 of the normalised account under a secret key
/// (<c>Links__Key</c>: a Key Vault reference in Azure). Without the key nobody can tell which account an
/// entry is for, nor test a guess. Against Azurite (./run.sh, the tests) a local development key stands in;
/// anywhere else a missing key stops the app at start-up, with the setting named.
/// </summary>
public sealed class LinkKeys
{
    /// <summary>For local development against Azurite only: never used with a real storage account.</summary>
    public const string LocalDevelopmentKey = "local-development-only-link-key-not-a-secret";

    private readonly byte[] _key;

    public LinkKeys(IConfiguration configuration, bool developmentStorage)
    {
        var key = configuration["Links:Key"];
        if (string.IsNullOrEmpty(key))
        {
            key = developmentStorage ? LocalDevelopmentKey
                : throw new InvalidOperationException("Links__Key is not set: linked reports need the secret key their index is keyed with (a Key Vault reference in Azure).");
        }
        else if (key.Length < 32)
        {
            throw new InvalidOperationException("Links__Key is shorter than 32 characters: use a random secret of at least 32.");
        }

        _key = Encoding.UTF8.GetBytes(key);
    }

    /// <summary>The account's key in the index: 64 lowercase hex digits.</summary>
    public string Of(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(account.ToString())));
    }
}
