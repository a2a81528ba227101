using System.Security.Cryptography;
using System.Text;

namespace ReferralIntake.Functions.Intake;

/// <summary>API keys as this service keeps them: only their SHA-256, and every candidate compared in constant time.</summary>
public static class ApiKeys
{
    public const int MaxLength = 200;

    /// <summary>The one whose key hash matches <paramref name="apiKey"/>, or null. Every candidate is compared, so the time says nothing about which.</summary>
    public static T? Find<T>(string? apiKey, IEnumerable<T> candidates, Func<T, byte[]> keySha256) where T : class
    {
        if (string.IsNullOrEmpty(apiKey) || apiKey.Length > MaxLength)
        {
            return null;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(apiKey));
        T? found = null;
        foreach (var candidate in candidates)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, keySha256(candidate)))
            {
                found = candidate;
            }
        }

        return found;
    }
}
