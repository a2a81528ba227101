using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Polly;
using ReferralIntake.Domain.Forces;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Admin;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.DeliverReferral;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Feedback;
using ReferralIntake.Functions.ForceReferrals;
using ReferralIntake.Functions.ForceView;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.RetentionSweep;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Statistics;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Telemetry;
using ReferralIntake.Functions.TriageReferral;
using ReferralIntake.Functions.WebForm;
using Scalar.AspNetCore;

namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// Every service the app is made of: what the worker's functions (<see cref="WorkerProgram"/>) and the
/// contract's route map (Api/ReferralsApi) are given.
/// </summary>
public static class AppServices
{
    public static IServiceCollection AddReferralIntake(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => ForceDirectory.Default);
        services.AddSingleton<TriagePolicy>();
        services.AddSingleton<StorageCallCounter>();
        services.AddSingleton(sp => new StorageClients(
            sp.GetRequiredService<IConfiguration>(), sp.GetServices<Azure.Core.Pipeline.HttpPipelinePolicy>(), sp.GetRequiredService<StorageCallCounter>()));
        services.AddSingleton<ReportStore>();
        services.AddSingleton<ReferralStateStore>();
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<Partners>();
        services.AddSingleton<ForceKeys>();
        services.AddAuthentication(PartnerAuthentication.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, PartnerAuthentication>(PartnerAuthentication.SchemeName, null)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ForceAuthentication>(ForceAuthentication.SchemeName, null)
            .AddForceViewCookie()
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, EntraForceAuthentication>(EntraForceAuthentication.SchemeName, null)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, OperatorAuthentication>(OperatorAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(PartnerAuthentication.Policy, p => p.AddAuthenticationSchemes(PartnerAuthentication.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(ForceAuthentication.Policy, p => p.AddAuthenticationSchemes(ForceAuthentication.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(OperatorAuthentication.Policy, p => p.AddAuthenticationSchemes(OperatorAuthentication.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(ForceViewPages.Policy, p => p.AddAuthenticationSchemes(ForceViewPages.Scheme, EntraForceAuthentication.SchemeName).RequireAuthenticatedUser());
        services.AddEdge(configuration);
        services.AddIntakeResilience(configuration.GetSection("IntakeResilience").Get<IntakeResilience.Options>() ?? new IntakeResilience.Options());
        services.AddSingleton<IntakeService>();
        services.AddSingleton(configuration.GetSection("Delivery").Get<DeliveryOptions>() ?? new DeliveryOptions());
        services.AddSingleton<Destinations>();
        services.AddSingleton<DestinationHealthStore>();
        services.AddSingleton<DestinationRecovery>();
        services.AddWebhookDelivery();
        services.AddSingleton<ForceInboxStore>();
        services.AddSingleton(_ => Domain.Links.PlatformDirectory.Default);
        services.AddSingleton(sp => new Links.LinkKeys(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<StorageClients>().UsesDevelopmentStorage));
        services.AddSingleton<Links.LinkIndex>();
        services.AddSingleton<Links.ReferralLinker>();
        services.AddSingleton<Links.LinkNotices>();
        services.AddSingleton<ErasureRegistry>();
        services.AddSingleton<SandboxInboxStore>();
        services.AddSingleton<ReferralErasure>();
        services.AddSingleton<ForceReferralQueries>();
        services.AddSingleton<ForceDocumentSigner>();
        services.AddSingleton(sp => LocalInboxMode.From(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<StorageClients>().UsesDevelopmentStorage));
        services.AddSingleton(configuration.GetSection("HandOff").Get<HandOffOptions>() ?? new HandOffOptions());
        services.AddSingleton<HandOffPolicy>();
        services.AddSingleton<DeliverySchedule>();
        services.AddSingleton<ReferralDelivery>();
        services.AddSingleton<IReferralDelivery>(sp => sp.GetRequiredService<ReferralDelivery>());
        services.AddSingleton<DeliverReferralFunction>();
        services.AddSingleton<PoisonReplay>();
        services.AddSingleton(configuration.GetSection("Retention").Get<RetentionOptions>() ?? new RetentionOptions());
        services.AddSingleton<RetentionSweeper>();
        services.AddSingleton(configuration.GetSection("Statistics").Get<StatisticsOptions>() ?? new StatisticsOptions());
        services.AddSingleton<StatisticsJob>();
        services.AddSingleton<StatisticsCache>();
        services.AddSingleton<FeedbackStore>();
        services.AddSingleton<TriageReferralFunction>();
        services.AddSingleton(configuration.GetSection("WebForm").Get<WebFormOptions>() ?? new WebFormOptions());
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "ri-antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.FormFieldName = "__antiforgery";
        });
        services.AddDataProtection().SetApplicationName("ReferralIntake");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
            o.XmlRepository = new BlobKeyRepository(sp.GetRequiredService<StorageClients>())));
        // Data protection would load its key ring from blob storage while the host starts; the web form's
        // first page loads it instead, so a cold start answers the API sooner.
        foreach (var keyRingLoader in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "DataProtectionHostedService").ToList())
        {
            services.Remove(keyRingLoader);
        }

        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, AppJsonContext.Default); // the app's one JSON context; no reflection
        });
        return services;
    }
}
