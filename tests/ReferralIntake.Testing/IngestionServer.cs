using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ReferralIntake.Functions.Tests.Support;

/// <summary>A loopback stand-in for Application Insights' ingestion endpoint: records every (gzipped) batch.</summary>
public sealed class IngestionServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private IngestionServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/{**path}", async (HttpContext context) =>
        {
            Stream body = context.Request.Body;
            if (context.Request.Headers.ContentEncoding == "gzip")
            {
                body = new GZipStream(body, CompressionMode.Decompress);
            }

            using var reader = new StreamReader(body);
            var batch = await reader.ReadToEndAsync(context.RequestAborted);
            Bodies.Enqueue(batch);
            Paths.Enqueue(context.Request.Path.Value ?? "");
            // Accept every item (one JSON object a line): a partial answer makes the exporter keep the rest to send later.
            var items = batch.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            return Results.Json(new { itemsReceived = items, itemsAccepted = items, errors = Array.Empty<object>() });
        });
    }

    public ConcurrentQueue<string> Bodies { get; } = new();

    public ConcurrentQueue<string> Paths { get; } = new();

    public string Url => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/";

    /// <summary>
    /// A connection string of the shape Azure gives, pointed here. A key of its own each time: the exporter
    /// keeps unsent telemetry on disk per key and sends it again later, to whoever then listens.
    /// </summary>
    public string ConnectionString => $"InstrumentationKey={Guid.NewGuid()};IngestionEndpoint={Url}";

    /// <summary>Whether any batch received so far holds the text.</summary>
    public bool Received(string text) => Bodies.Any(b => b.Contains(text, StringComparison.Ordinal));

    public static async Task<IngestionServer> StartAsync()
    {
        var server = new IngestionServer();
        await server._app.StartAsync();
        return server;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
