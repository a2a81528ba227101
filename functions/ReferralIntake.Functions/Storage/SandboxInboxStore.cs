using Azure.Storage.Blobs.Models;

namespace ReferralIntake.Functions.Storage;

/// <summary>
/// Where a sandbox key's referrals are "delivered": {reference}/sandbox/{route}.json, the same document a
/// force would receive, for the partner to read back. Erased and swept with the referral (after a day).
/// </summary>
public sealed class SandboxInboxStore(StorageClients storage)
{
    private static string Prefix(string reference) => $"{reference}/sandbox/";

    public Task SaveAsync(string reference, string routeKey, byte[] document, CancellationToken ct) =>
        storage.Container.GetBlobClient($"{Prefix(reference)}{routeKey.Replace(':', '.')}.json").UploadAsync(new BinaryData(document), overwrite: true, ct);

    /// <summary>Every document delivered to the sandbox for this referral, by route.</summary>
    public async Task<IReadOnlyList<(string Route, BinaryData Document)>> ListAsync(string reference, CancellationToken ct)
    {
        var found = new List<(string, BinaryData)>();
        await foreach (var blob in storage.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix(reference) }, ct).ConfigureAwait(false))
        {
            var content = (await storage.Container.GetBlobClient(blob.Name).DownloadContentAsync(ct).ConfigureAwait(false)).Value.Content;
            found.Add((blob.Name[Prefix(reference).Length..^".json".Length].Replace('.', ':'), content));
        }

        return found;
    }
}
