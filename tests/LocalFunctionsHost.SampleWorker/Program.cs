using Azure.Storage.Queues;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The smallest worker that uses every trigger the local host serves; what it saw goes to a results queue,
// where the tests read it.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddSingleton(_ => new QueueClient(
    Environment.GetEnvironmentVariable("AzureWebJobsStorage"),
    Environment.GetEnvironmentVariable("ResultsQueue"),
    new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }));
builder.Build().Run();
