using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ReferralIntake.Functions.Delivery;

/// <summary>
/// How a receiving force verifies a delivery: HMAC-SHA256, keyed with the shared secret, over
/// "{timestamp}.{idempotencyKey}.{body}", sent as <c>X-ReferralIntake-Signature: v1={hex}</c> beside
/// <c>X-ReferralIntake-Timestamp</c> (Unix seconds) and the <c>Idempotency-Key</c>. During a secret
/// rotation the header carries one signature per secret, comma-separated (<c>v1={a}, v1={b}</c>);
/// a receiver accepts the request when any of them is right for its secret. It rejects a timestamp
/// more than <see cref="MaxAge"/> away, so a captured request cannot be replayed later.
/// </summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "X-ReferralIntake-Signature";
    public const string TimestampHeader = "X-ReferralIntake-Timestamp";
    public const string ReferenceHeader = "X-ReferralIntake-Reference";
    public const string IdempotencyHeader = "Idempotency-Key";
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    private const string Version = "v1=";

    /// <summary>The signature header's value: one signature per secret (two during a rotation).</summary>
    public static string Sign(IEnumerable<string> secrets, long timestamp, string idempotencyKey, ReadOnlySpan<byte> body)
    {
        var signed = Signed(timestamp, idempotencyKey, body);
        return string.Join(", ", secrets.Select(secret => Version + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed))));
    }

    public static string Sign(string secret, long timestamp, string idempotencyKey, ReadOnlySpan<byte> body) =>
        Sign([secret], timestamp, idempotencyKey, body);

    /// <summary>
    /// What a receiver runs: true only for its secret, the same Idempotency-Key and body, and a fresh
    /// timestamp. Never throws, whatever the headers hold.
    /// </summary>
    public static bool Verify(string secret, string? timestampHeader, string? idempotencyKey, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(secret) || idempotencyKey is null || signatureHeader is null || signatureHeader.Length > 1_000
            || !long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
            || timestamp > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return false;
        }

        if ((now - DateTimeOffset.FromUnixTimeSeconds(timestamp)).Duration() > MaxAge)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, timestamp, idempotencyKey, body));
        var matched = false;
        foreach (var candidate in signatureHeader.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            matched |= CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(candidate));
        }

        return matched;
    }

    private static byte[] Signed(long timestamp, string idempotencyKey, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{timestamp.ToString(CultureInfo.InvariantCulture)}.{idempotencyKey}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return signed;
    }
}
