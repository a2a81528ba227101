using System.Globalization;
using System.Net;
using Azure;
using Azure.Storage.Blobs.Models;
using ReferralIntake.Domain.Triage;

namespace ReferralIntake.Functions.Storage;

/// <summary>A referral awaiting a force: what its list shows. Never report content.</summary>
public sealed record InboxEntry(string Reference, Priority Priority, DateTimeOffset ReceivedAt);

/// <summary>
/// What each force (or CEOP) has to collect or confirm: the referral document made for it, kept as
/// {reference}/forces/{forceId}.json (so erasure and retention take it with the referral), and an empty
/// index entry force-inbox/{forceId}/{priority}-{receivedAt}-{reference} until the force acknowledges
/// it. The entry's name sorts P1 first, oldest first, so a force's list is one listing and no scan.
/// Used by forces that pull, by the force view, and by the local inbox in development.
/// </summary>
public sealed class ForceInboxStore(StorageClients storage, ErasureRegistry erasures)
{
    public const string IndexPrefix = "force-inbox/";
    private const string TimeFormat = "yyyyMMdd'T'HHmmssfff";

    public static string DocumentPath(string forceId, string reference) => $"{reference}/forces/{forceId}.json";

    private static string EntryPath(string forceId, ReferralState state) =>
        $"{IndexPrefix}{forceId}/{state.Triage!.Priority}-{state.ReceivedAt.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)}-{state.Reference}";

    /// <summary>Keeps the document and lists it for the force; a second save keeps the first document.</summary>
    public async Task SaveAsync(string forceId, ReferralState state, byte[] document, CancellationToken ct)
    {
        await CreateOnceAsync(DocumentPath(forceId, state.Reference), new BinaryData(document), ct).ConfigureAwait(false);
        await CreateOnceAsync(EntryPath(forceId, state), BinaryData.Empty, ct).ConfigureAwait(false);
        await erasures.ThrowIfErasedAsync(state.Reference, ct, DocumentPath(forceId, state.Reference), EntryPath(forceId, state)).ConfigureAwait(false);
    }

    /// <summary>Off the force's list (acknowledged, or not its area); the document stays with the referral.</summary>
    public Task RemoveAsync(string forceId, ReferralState state, CancellationToken ct) =>
        storage.Container.DeleteBlobIfExistsAsync(EntryPath(forceId, state), cancellationToken: ct);

    /// <summary>What awaits the force, P1 first and oldest first within a priority.</summary>
    public async Task<IReadOnlyList<InboxEntry>> ListAsync(string forceId, CancellationToken ct)
    {
        var entries = new List<InboxEntry>();
        var prefix = $"{IndexPrefix}{forceId}/";
        await foreach (var blob in storage.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, ct).ConfigureAwait(false))
        {
            if (Parse(blob.Name[prefix.Length..]) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>The forces with anything awaiting them (for the local inbox, which shows every force).</summary>
    public async Task<IReadOnlyList<string>> ForcesAsync(CancellationToken ct)
    {
        var forces = new List<string>();
        await foreach (var item in storage.Container.GetBlobsByHierarchyAsync(new GetBlobsByHierarchyOptions { Prefix = IndexPrefix, Delimiter = "/" }, ct).ConfigureAwait(false))
        {
            if (item.IsPrefix)
            {
                forces.Add(item.Prefix[IndexPrefix.Length..].TrimEnd('/'));
            }
        }

        return forces;
    }

    /// <summary>The document made for the force, as it was sent (or made available); null if none.</summary>
    public async Task<BinaryData?> ReadAsync(string forceId, string reference, CancellationToken ct)
    {
        try
        {
            return (await storage.Container.GetBlobClient(DocumentPath(forceId, reference)).DownloadContentAsync(ct).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Every index entry of one referral, across forces (for erasure).</summary>
    public async Task<IReadOnlyList<string>> EntryNamesOfAsync(string reference, CancellationToken ct)
    {
        var names = new List<string>();
        await foreach (var blob in storage.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = IndexPrefix }, ct).ConfigureAwait(false))
        {
            if (blob.Name.EndsWith($"-{reference}", StringComparison.Ordinal))
            {
                names.Add(blob.Name);
            }
        }

        return names;
    }

    private static InboxEntry? Parse(string name)
    {
        // P1-20261123T013000123-RI-ABCD-EFGH-JKLM
        var parts = name.Split('-', 3);
        return parts.Length == 3 && Enum.TryParse<Priority>(parts[0], out var priority)
            && DateTime.TryParseExact(parts[1], TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
            ? new InboxEntry(parts[2], priority, new DateTimeOffset(at, TimeSpan.Zero))
            : null;
    }

    private async Task CreateOnceAsync(string path, BinaryData content, CancellationToken ct)
    {
        try
        {
            await storage.Container.GetBlobClient(path).UploadAsync(content,
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
        {
        }
    }
}
