using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/ReferralIntake.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
