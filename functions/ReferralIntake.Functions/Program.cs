using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Polly;
using ReferralIntake.Domain.Forces;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Admin;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.DeliverReferral;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.ForceReferrals;
using ReferralIntake.Functions.ForceView;
using Scalar.AspNetCore;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.RetentionSweep;
using ReferralIntake.Functions.Statistics;
using ReferralIntake.Functions.Feedback;
using ReferralIntake.Functions.Telemetry;
using ReferralIntake.Functions.TriageReferral;
using ReferralIntake.Functions.WebForm;

// The composition root. Where a report enters: SubmitReferral/ (and the web form); where it waits:
// the "referrals" queue (Storage/); where it is judged: TriageReferral/ with the domain's TriagePolicy;
// where it leaves: Delivery/.
// The slim builder: what a serverless host needs and no more (cold start; see docs/benchmarks.md).
StartupGc.DeferFirstCollection(); // first: no collection until the start-up allocations are behind it
StartupWarmup.LoadDataInBackground(); // the postcode data loads on another core while the host is built
var builder = WebApplication.CreateSlimBuilder(args);
builder.Configuration.AddLocalSettingsFile(builder.Configuration[LocalSettingsFile.PathSetting]);

// As a custom handler, the Functions host says which port to serve on and triggers the queue itself.
var customHandlerPort = builder.Configuration[SettingNames.CustomHandlerPort];
if (int.TryParse(customHandlerPort, out var port))
{
    builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port));
}
else if (string.IsNullOrEmpty(builder.Configuration[SettingNames.Urls]) && string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:7071"); // the Functions host's local default
}

builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 1024 * 1024);
builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(30));

var listenerOptions = builder.Configuration.GetSection(SettingNames.QueueListener).Get<QueueListenerOptions>() ?? new QueueListenerOptions();
listenerOptions.Enabled &= customHandlerPort is null;
builder.Services.AddSingleton(listenerOptions);

builder.Services.AddSingleton(TimeProvider.System);
builder.AddReferralTelemetry();
builder.Services.AddSingleton(_ => ForceDirectory.Default);
builder.Services.AddSingleton<TriagePolicy>();
builder.Services.AddSingleton(sp => new StorageClients(sp.GetRequiredService<IConfiguration>(), sp.GetServices<Azure.Core.Pipeline.HttpPipelinePolicy>()));
builder.Services.AddSingleton<ReportStore>();
builder.Services.AddSingleton<ReferralStateStore>();
builder.Services.AddSingleton<IdempotencyStore>();
builder.Services.AddSingleton<Partners>();
builder.Services.AddSingleton<ForceKeys>();
builder.Services.AddAuthentication(PartnerAuthentication.SchemeName)
    .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, PartnerAuthentication>(PartnerAuthentication.SchemeName, null)
    .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ForceAuthentication>(ForceAuthentication.SchemeName, null)
    .AddForceViewCookie()
    .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, EntraForceAuthentication>(EntraForceAuthentication.SchemeName, null)
    .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, OperatorAuthentication>(OperatorAuthentication.SchemeName, null);
builder.Services.AddAuthorizationBuilder()
    .AddPolicy(PartnerAuthentication.Policy, p => p.AddAuthenticationSchemes(PartnerAuthentication.SchemeName).RequireAuthenticatedUser())
    .AddPolicy(ForceAuthentication.Policy, p => p.AddAuthenticationSchemes(ForceAuthentication.SchemeName).RequireAuthenticatedUser())
    .AddPolicy(OperatorAuthentication.Policy, p => p.AddAuthenticationSchemes(OperatorAuthentication.SchemeName).RequireAuthenticatedUser())
    .AddPolicy(ForceViewPages.Policy, p => p.AddAuthenticationSchemes(ForceViewPages.Scheme, EntraForceAuthentication.SchemeName).RequireAuthenticatedUser());
builder.Services.AddReferralRateLimits();
builder.Services.AddEdge(builder.Configuration);
builder.Services.AddIntakeResilience(builder.Configuration.GetSection("IntakeResilience").Get<IntakeResilience.Options>() ?? new IntakeResilience.Options());
builder.Services.AddSingleton<IntakeService>();
builder.Services.AddSingleton(builder.Configuration.GetSection("Delivery").Get<DeliveryOptions>() ?? new DeliveryOptions());
builder.Services.AddSingleton<Destinations>();
builder.Services.AddWebhookDelivery();
builder.Services.AddSingleton<ForceInboxStore>();
builder.Services.AddSingleton<ErasureRegistry>();
builder.Services.AddSingleton<SandboxInboxStore>();
builder.Services.AddSingleton<ReferralErasure>();
builder.Services.AddSingleton<ForceReferralQueries>();
builder.Services.AddSingleton<ForceDocumentSigner>();
builder.Services.AddSingleton(sp => LocalInboxMode.From(
    sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<StorageClients>().UsesDevelopmentStorage, listenerOptions));
builder.Services.AddSingleton(builder.Configuration.GetSection("HandOff").Get<HandOffOptions>() ?? new HandOffOptions());
builder.Services.AddSingleton<HandOffPolicy>();
builder.Services.AddSingleton<DeliverySchedule>();
builder.Services.AddSingleton<ReferralDelivery>();
builder.Services.AddSingleton<IReferralDelivery>(sp => sp.GetRequiredService<ReferralDelivery>());
builder.Services.AddSingleton<DeliverReferralFunction>();
builder.Services.AddSingleton<PoisonReplay>();
builder.Services.AddSingleton(builder.Configuration.GetSection("Retention").Get<RetentionOptions>() ?? new RetentionOptions());
builder.Services.AddSingleton<RetentionSweeper>();
builder.Services.AddSingleton(builder.Configuration.GetSection("Statistics").Get<StatisticsOptions>() ?? new StatisticsOptions());
builder.Services.AddSingleton<StatisticsJob>();
builder.Services.AddSingleton<StatisticsCache>();
builder.Services.AddSingleton<FeedbackStore>();
builder.Services.AddSingleton<TriageReferralFunction>();
builder.Services.AddSingleton<StartupWarmup>();
builder.Services.AddSingleton<FirstResponse>();
if (listenerOptions.Enabled)
{
    // One listener per queue trigger, as the Functions host has one per function.json: the urgent lane
    // has its own, so no backlog in the referrals queue is ever in front of a P1.
    builder.Services.AddSingleton<IHostedService>(sp => Listener(sp, sp.GetRequiredService<StorageClients>().UrgentQueue, sp.GetRequiredService<StorageClients>().UrgentPoisonQueue, TriageReferralFunction.UrgentName, s => s.GetRequiredService<TriageReferralFunction>()));
    builder.Services.AddSingleton<IHostedService>(sp => Listener(sp, sp.GetRequiredService<StorageClients>().Queue, sp.GetRequiredService<StorageClients>().PoisonQueue, TriageReferralFunction.Name, s => s.GetRequiredService<TriageReferralFunction>()));
    builder.Services.AddSingleton<IHostedService>(sp => Listener(sp, sp.GetRequiredService<StorageClients>().DeliveryQueue, sp.GetRequiredService<StorageClients>().DeliveryPoisonQueue, DeliverReferralFunction.Name, s => s.GetRequiredService<DeliverReferralFunction>()));
    builder.Services.AddHostedService<RetentionService>();
    builder.Services.AddHostedService<StatisticsService>();
}

builder.Services.AddSingleton(builder.Configuration.GetSection("WebForm").Get<WebFormOptions>() ?? new WebFormOptions());
builder.Services.AddAntiforgery(o =>
{
    o.Cookie.Name = "ri-antiforgery";
    o.Cookie.SameSite = SameSiteMode.Strict;
    o.FormFieldName = "__antiforgery";
});
builder.Services.AddDataProtection().SetApplicationName("ReferralIntake");
builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
    o.XmlRepository = new BlobKeyRepository(sp.GetRequiredService<StorageClients>())));
// Data protection would load its key ring from blob storage while the host starts; the web form's
// first page loads it instead, so a cold start answers the API sooner.
foreach (var keyRingLoader in builder.Services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "DataProtectionHostedService").ToList())
{
    builder.Services.Remove(keyRingLoader);
}

builder.Services.AddProblemDetails();
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
    o.SerializerOptions.TypeInfoResolverChain.Insert(0, AppJsonContext.Default); // the app's one JSON context; no reflection
});
builder.Services.AddOpenApi("v1", OpenApiContract.Configure);

var app = builder.Build();
app.Services.GetRequiredService<StartupWarmup>().Start(); // at once: it warms the first report's path while the host starts
FirstResponse.Watch(app); // outermost: the listeners' first poll waits for the first answer
app.UseForwardedHeaders(); // first: everything after sees the client the trusted edge saw (Edge)
_ = app.Services.GetRequiredService<Destinations>(); // a misconfigured webhook stops the start, with the setting named
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter(); // after authentication: the partner's bucket is chosen by who they are

app.MapReferralsApiV1();
app.MapWebForm();
app.MapStaticAssets();
app.MapAdminApi();
app.MapForceView();
if (app.Services.GetRequiredService<LocalInboxMode>().Enabled)
{
    app.MapGet("/inbox", () => Results.Redirect("/force")).ExcludeFromDescription(); // the local inbox is the force view, opened as any force
}

app.MapOpenApi("/api/openapi/{documentName}.json");
// The API reference for people (Scalar, served from the package itself: no CDN, no fonts or telemetry from elsewhere).
app.MapScalarApiReference("/api/reference", o => o
    .WithTitle("ReferralIntake API reference")
    .WithOpenApiRoutePattern("/api/openapi/{documentName}.json")
    .AddDocument("v1")
    .DisableDefaultFonts()
    .DisableTelemetry()
    .DisableAgent()
    .DisableMcp()
    .HideClientButton()
    .HideDeveloperTools())
    .ExcludeFromDescription();
if (customHandlerPort is not null || app.Configuration.GetValue<bool>("CustomHandler:MapTriggers"))
{
    // The Functions host's own calls for the non-HTTP triggers, each beside its function.json.
    app.MapTriageReferralTriggers();
    DeliverReferralFunction.MapDeliverReferralTrigger(app);
    app.MapRetentionSweepTrigger();
    app.MapStatisticsRefreshTrigger();
}

app.Run();

static QueueListener Listener(IServiceProvider sp, Azure.Storage.Queues.QueueClient queue, Azure.Storage.Queues.QueueClient poison, string name, Func<IServiceProvider, IQueueFunction> function) =>
    new(new QueueTrigger(name, queue, poison, function), sp.GetRequiredService<StorageClients>(), sp.GetRequiredService<IServiceScopeFactory>(),
        sp.GetRequiredService<QueueListenerOptions>(), sp.GetRequiredService<FirstResponse>(), sp.GetRequiredService<ILogger<QueueListener>>());

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
