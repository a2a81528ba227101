using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReferralIntake.Functions.Delivery;

namespace ReferralIntake.Functions.Tests.Support;

/// <summary>
/// A real HTTP server on loopback standing in for a police force's webhook. It answers each request
/// with the next scripted behaviour (then with the fallback), and records what it received.
/// </summary>
public sealed class ForceServer : IAsyncDisposable
{
    public const string Secret = "test-force-secret";
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _script = new();

    public ForceServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/referrals", async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            var received = new ReceivedDelivery(
                DateTimeOffset.UtcNow,
                context.Request.Headers[WebhookSignature.IdempotencyHeader].ToString(),
                context.Request.Headers[WebhookSignature.TimestampHeader].ToString(),
                context.Request.Headers[WebhookSignature.SignatureHeader].ToString(),
                context.Request.Headers[WebhookSignature.ReferenceHeader].ToString(),
                buffer.ToArray());
            (received.IsPing ? Pings : received.IsLinkNotice ? LinkNotices : Received).Enqueue(received);
            var behave = _script.TryDequeue(out var next) ? next : Fallback;
            await behave(context);
        });
    }

    /// <summary>Every referral document posted (each attempt), in order of arrival.</summary>
    public ConcurrentQueue<ReceivedDelivery> Received { get; } = new();

    /// <summary>Every link notice posted (API.md, "Linked referrals"), each attempt: kept apart from the referrals.</summary>
    public ConcurrentQueue<ReceivedDelivery> LinkNotices { get; } = new();

    /// <summary>The probes of a destination whose routes wait (API.md's addition): never a referral. They get the same answers.</summary>
    public ConcurrentQueue<ReceivedDelivery> Pings { get; } = new();

    /// <summary>What the server does once the script has run out (default: accept).</summary>
    public Func<HttpContext, Task> Fallback { get; set; } = Answer(StatusCodes.Status202Accepted);

    public Uri Url => new(new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "/referrals");

    public static async Task<ForceServer> StartAsync()
    {
        var server = new ForceServer();
        await server._app.StartAsync();
        return server;
    }

    public ForceServer Then(params Func<HttpContext, Task>[] behaviours)
    {
        foreach (var b in behaviours)
        {
            _script.Enqueue(b);
        }

        return this;
    }

    /// <summary>Distinct referrals received, by idempotency key: what the force acted on.</summary>
    public int DistinctDeliveries => Received.Select(r => r.IdempotencyKey).Distinct().Count();

    public static Func<HttpContext, Task> Answer(int status, int? retryAfterSeconds = null) => context =>
    {
        context.Response.StatusCode = status;
        if (retryAfterSeconds is { } s)
        {
            context.Response.Headers.RetryAfter = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return Task.CompletedTask;
    };

    public static Func<HttpContext, Task> Redirect(Uri to) => context =>
    {
        context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
        context.Response.Headers.Location = to.ToString();
        return Task.CompletedTask;
    };

    public static Func<HttpContext, Task> Slow(TimeSpan delay) => async context =>
    {
        try
        {
            await Task.Delay(delay, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record ReceivedDelivery(DateTimeOffset At, string IdempotencyKey, string Timestamp, string Signature, string Reference, byte[] Body)
{
    public bool IsPing => IdempotencyKey.StartsWith("ping:", StringComparison.Ordinal);

    /// <summary>A link notice: Idempotency-Key {reference}:link:{otherReference}.</summary>
    public bool IsLinkNotice => IdempotencyKey.Contains(":link:", StringComparison.Ordinal);
}
