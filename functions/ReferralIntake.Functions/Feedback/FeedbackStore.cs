using System.Globalization;
using Azure;
using Azure.Storage.Blobs.Models;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Feedback;

/// <summary>One person's view of the service: a rating, an optional comment, the page's language. Never a reference.</summary>
public sealed record FeedbackEntry(int Rating, string? Comment, string Language, DateTimeOffset At);

/// <summary>
/// Feedback, kept apart from referrals: its own container ({container}-feedback), one blob per entry under
/// its month ({yyyy-MM}/…), so the retention sweep deletes whole months after <see cref="KeepMonths"/>.
/// </summary>
public sealed class FeedbackStore(StorageClients storage, TimeProvider clock)
{
    public const int KeepMonths = 12;

    public async Task SaveAsync(int rating, string? comment, string language, CancellationToken ct)
    {
        await storage.EnsurePublicContainersOnceAsync(ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var name = $"{now:yyyy-MM}/{now:yyyyMMddTHHmmssfff}-{Guid.NewGuid():N}.json";
        await storage.Feedback.UploadJsonAsync(name, new FeedbackEntry(rating, comment, language, now), AppJsonContext.Default.FeedbackEntry,
            new BlobRequestConditions { IfNoneMatch = ETag.All }, ct).ConfigureAwait(false);
    }

    /// <summary>Every entry of a month, for whoever reads the feedback (and the tests).</summary>
    public async Task<IReadOnlyList<FeedbackEntry>> ReadMonthAsync(DateTimeOffset month, CancellationToken ct)
    {
        await storage.EnsurePublicContainersOnceAsync(ct).ConfigureAwait(false);
        var entries = new List<FeedbackEntry>();
        await foreach (var blob in storage.Feedback.GetBlobsAsync(new GetBlobsOptions { Prefix = $"{month:yyyy-MM}/" }, ct).ConfigureAwait(false))
        {
            if (await storage.Feedback.DownloadIfExistsAsync(blob.Name, ct).ConfigureAwait(false) is { } content
                && content.Content.ToObjectFromJson(AppJsonContext.Default.FeedbackEntry) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>Deletes the entries of months older than <see cref="KeepMonths"/>; the number deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        await storage.EnsurePublicContainersOnceAsync(ct).ConfigureAwait(false);
        var oldestKept = clock.GetUtcNow().AddMonths(-KeepMonths).ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var deleted = 0;
        await foreach (var blob in storage.Feedback.GetBlobsAsync(new GetBlobsOptions(), ct).ConfigureAwait(false))
        {
            if (string.CompareOrdinal(blob.Name[..Math.Min(7, blob.Name.Length)], oldestKept) < 0)
            {
                await storage.Feedback.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: ct).ConfigureAwait(false);
                deleted++;
            }
        }

        return deleted;
    }
}
