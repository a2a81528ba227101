using System.Net;
using Azure;
using Azure.Storage.Blobs.Models;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.LocalInbox;

/// <summary>
/// The local stand-in for force endpoints: deliveries land as blobs under inbox/{destination}/ in the
/// local Azurite, once each, for a person to open at /inbox. Never used outside local development.
/// </summary>
public sealed class LocalInboxStore(StorageClients storage)
{
    private const string Prefix = "inbox/";

    /// <summary>Saves a delivered document once; a second save of the same reference keeps the first.</summary>
    public async Task SaveAsync(string destinationId, string reference, byte[] document, CancellationToken ct)
    {
        try
        {
            await storage.Container.GetBlobClient(Path(destinationId, reference)).UploadAsync(
                new BinaryData(document),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
        {
        }
    }

    /// <summary>Every destination with the references it received, newest first.</summary>
    public async Task<IReadOnlyDictionary<string, List<(string Reference, DateTimeOffset At)>>> ListAsync(CancellationToken ct)
    {
        var byDestination = new SortedDictionary<string, List<(string, DateTimeOffset)>>(StringComparer.Ordinal);
        await foreach (var blob in storage.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix }, ct).ConfigureAwait(false))
        {
            var parts = blob.Name[Prefix.Length..].Split('/');
            if (parts.Length != 2)
            {
                continue;
            }

            if (!byDestination.TryGetValue(parts[0], out var list))
            {
                byDestination[parts[0]] = list = [];
            }

            list.Add((parts[1].Replace(".json", "", StringComparison.Ordinal), blob.Properties.CreatedOn ?? DateTimeOffset.MinValue));
        }

        foreach (var list in byDestination.Values)
        {
            list.Sort((a, b) => b.Item2.CompareTo(a.Item2));
        }

        return byDestination;
    }

    public async Task<BinaryData?> ReadAsync(string destinationId, string reference, CancellationToken ct)
    {
        try
        {
            return (await storage.Container.GetBlobClient(Path(destinationId, reference)).DownloadContentAsync(ct).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static string Path(string destinationId, string reference) => $"{Prefix}{destinationId}/{reference}.json";
}
