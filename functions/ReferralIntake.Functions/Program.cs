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
using ReferralIntake.Functions.ApiReference;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.RetentionSweep;
using ReferralIntake.Functions.Statistics;
using ReferralIntake.Functions.Feedback;
using ReferralIntake.Functions.Telemetry;
using ReferralIntake.Functions.TriageReferral;
using ReferralIntake.Functions.WebForm;

// Started by a Functions host: the isolated worker (the [Function] methods). Otherwise the standalone app below.
if (WorkerProgram.IsStartedByFunctionsHost(args))
{
    await WorkerProgram.RunAsync(args);
    return;
}

// The composition root. Where a report enters: SubmitReferral/ (and the web form); where it waits:
// the "referrals" queue (Storage/); where it is judged: TriageReferral/ with the domain's TriagePolicy;
// where it leaves: Delivery/.
// The slim builder: what a serverless host needs and no more (cold start; see docs/benchmarks.md).
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

builder.AddReferralTelemetry();
builder.Services.AddReferralIntake(builder.Configuration, listenerOptions);
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
app.MapApiReference();
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
