using Azure.Storage.Blobs.Models;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace ReferralIntake.Functions.Storage;

/// <summary>
/// Keeps ASP.NET Core's data-protection keys (which sign the web form's anti-forgery tokens) in the
/// referrals container, so every instance of a scaled-out app accepts the others' tokens and a parent
/// is never turned away mid-report by a restart. The container is private; see docs/operations.md ("Known limitations") for
/// wrapping the keys with Key Vault.
/// </summary>
public sealed class BlobKeyRepository(StorageClients storage) : IXmlRepository
{
    private const string Prefix = "dataprotection/";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        storage.Container.CreateIfNotExists();
        return [.. storage.Container.GetBlobs(new GetBlobsOptions { Prefix = Prefix })
            .Select(b => XElement.Parse(storage.Container.GetBlobClient(b.Name).DownloadContent().Value.Content.ToString()))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        storage.Container.CreateIfNotExists();
        storage.Container.GetBlobClient($"{Prefix}{friendlyName}.xml")
            .Upload(BinaryData.FromString(element.ToString(SaveOptions.DisableFormatting)), overwrite: true);
    }
}
