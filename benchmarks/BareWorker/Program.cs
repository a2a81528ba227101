using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Build().Run();

namespace BareWorker
{
    /// <summary>Answers 202 and does nothing else.</summary>
    public static class Accept
    {
        [Function("Accept")]
        public static IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "")] HttpRequest request) => Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
