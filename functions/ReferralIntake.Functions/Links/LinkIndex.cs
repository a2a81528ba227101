using System.Globalization;
using System.Net;
using Azure;
using Azure.Storage.Blobs.Models;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Links;

/// <summary>
/// The link index: links/{key}/{reference}, an empty blob per (account, referral) with the referral's force,
/// acceptance time and priority as metadata. One account's referrals are one listing of its key's prefix,
/// however large the index grows (no scan). Holds no name and no report text: the key is a keyed hash
/// (<see cref="LinkKeys"/>). An entry is named by its referral, so writing it twice keeps one.
/// </summary>
public sealed class LinkIndex(StorageClients storage)
{
    public const string Prefix = "links/";
    private const string ForceMetadata = "force", AcceptedMetadata = "acceptedat", PriorityMetadata = "priority";

    public static string EntryPath(string key, string reference) => $"{Prefix}{key}/{reference}";

    /// <summary>Every referral indexed under the key (one listing request per 5,000 entries).</summary>
    public async Task<IReadOnlyList<LinkedReferral>> FindAsync(string key, CancellationToken ct)
    {
        var found = new List<LinkedReferral>();
        var prefix = $"{Prefix}{key}/";
        await foreach (var blob in storage.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix, Traits = BlobTraits.Metadata }, ct).ConfigureAwait(false))
        {
            var m = blob.Metadata;
            if (m.TryGetValue(ForceMetadata, out var force) && m.TryGetValue(AcceptedMetadata, out var accepted) && m.TryGetValue(PriorityMetadata, out var priority))
            {
                found.Add(new LinkedReferral(blob.Name[prefix.Length..], force, DateTimeOffset.Parse(accepted, CultureInfo.InvariantCulture), priority));
            }
        }

        return found;
    }

    /// <summary>An entry's facts for the statistics, from a listing with metadata; null for any other blob.</summary>
    public static Statistics.LinkEntryFacts? FactsOf(BlobItem blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return blob.Name.StartsWith(Prefix, StringComparison.Ordinal) && blob.Name.Split('/') is [_, var key, _]
            && blob.Metadata is { } m && m.TryGetValue(ForceMetadata, out var force) && m.TryGetValue(AcceptedMetadata, out var accepted)
            && DateTimeOffset.TryParse(accepted, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            ? new Statistics.LinkEntryFacts(key, force, at)
            : null;
    }

    /// <summary>Indexes the referral under the key; a second write of the same entry keeps the first.</summary>
    public async Task AddAsync(string key, LinkedReferral entry, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var metadata = new Dictionary<string, string>
        {
            [ForceMetadata] = entry.ForceId,
            [AcceptedMetadata] = entry.AcceptedAt.ToString("O", CultureInfo.InvariantCulture),
            [PriorityMetadata] = entry.Priority,
        };
        try
        {
            await storage.Container.GetBlobClient(EntryPath(key, entry.Reference)).UploadAsync(BinaryData.Empty,
                new BlobUploadOptions { Metadata = metadata, Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
        {
            // written by an earlier try of the same triage
        }
    }
}
