using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ReferralIntake.Functions.Delivery;

/// <summary>
/// How a receiving force verifies a delivery: HMAC-SHA256, keyed with the shared secret, over
/// "{timestamp}.{body}", sent as <c>X-ReferralIntake-Signature: v1={hex}</c> beside
/// <c>X-ReferralIntake-Timestamp</c> (Unix seconds). A receiver rejects a bad signature, and a
/// timestamp older than <see cref="MaxAge"/>, so a captured request cannot be replayed later.
/// </summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "X-ReferralIntake-Signature";
    public const string TimestampHeader = "X-ReferralIntake-Timestamp";
    public const string ReferenceHeader = "X-ReferralIntake-Reference";
    public const string IdempotencyHeader = "Idempotency-Key";
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>What a receiver runs: true only for the right secret, the same body and a fresh timestamp.</summary>
    public static bool Verify(string secret, string? timestampHeader, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (!long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
            || signatureHeader is null
            || (now - DateTimeOffset.FromUnixTimeSeconds(timestamp)).Duration() > MaxAge)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, timestamp, body));
        var actual = Encoding.ASCII.GetBytes(signatureHeader);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
