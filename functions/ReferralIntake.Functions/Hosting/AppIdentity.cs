using Azure.Core;
using Azure.Identity;

namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// The app's identity in Azure: its user-assigned managed identity, named by the client id the
/// Functions host uses for the same storage (<c>AzureWebJobsStorage__clientId</c>). A
/// <see cref="ManagedIdentityCredential"/> rather than DefaultAzureCredential: in Azure there is one
/// right answer, and a chain that tries developer credentials first only hides a misconfiguration.
/// </summary>
public static class AppIdentity
{
    public static TokenCredential Credential(IConfiguration configuration)
    {
        var clientId = configuration[SettingNames.StorageClientId];
        return string.IsNullOrWhiteSpace(clientId)
            ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
    }
}
