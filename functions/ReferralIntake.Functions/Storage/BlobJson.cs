using System.Net;
using System.Text.Json.Serialization.Metadata;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ReferralIntake.Functions.Storage;

/// <summary>The few blob operations the stores share: read if present, write JSON under a condition.</summary>
internal static class BlobJson
{
    /// <summary>The blob's content and properties, or null when there is no such blob.</summary>
    public static async Task<BlobDownloadResult?> DownloadIfExistsAsync(this BlobContainerClient container, string path, CancellationToken ct)
    {
        try
        {
            return (await container.GetBlobClient(path).DownloadContentAsync(ct).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static Task<Response<BlobContentInfo>> UploadJsonAsync<T>(
        this BlobContainerClient container, string path, T value, JsonTypeInfo<T> type, BlobRequestConditions conditions, CancellationToken ct,
        IDictionary<string, string>? metadata = null) =>
        container.GetBlobClient(path).UploadAsync(
            BinaryData.FromObjectAsJson(value, type),
            new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" }, Metadata = metadata },
            ct);

    /// <summary>A conditional write that lost: someone else wrote first.</summary>
    public static bool LostRace(RequestFailedException e) => e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed;
}
