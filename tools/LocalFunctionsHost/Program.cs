using LocalFunctionsHost;

// A stand-in for the Azure Functions host, for development and tests where Core Tools cannot be installed
// (README.md beside this file says what it does not do). It starts the worker, speaks FunctionRpc.proto to
// it, serves the HTTP triggers on loopback and runs the queue and timer triggers.
var args_ = new ConfigurationBuilder().AddCommandLine(args).Build();
HostSettings settings;
try
{
    settings = HostSettings.Parse(args_);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var app = LocalHost.Build(new LocalHostOptions
{
    ScriptRoot = settings.ScriptRoot,
    HttpPort = settings.HttpPort,
    LocalSettingsFile = settings.LocalSettingsFile,
    QueueLease = settings.QueueLease,
});
await app.RunAsync();
return 0;
