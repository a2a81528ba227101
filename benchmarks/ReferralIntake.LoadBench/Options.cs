using System.Globalization;

namespace ReferralIntake.LoadBench;

public sealed record Options(int Requests, int[] Concurrency, int Messages, int Runs, int Referrals, double Minutes, double OutageMinutes = 3, int Backlog = 3000, int Probes = 10, double OutageAtMinutes = 0.5,
    int IdleReferrals = 30, double IdleGapSeconds = 1, int Rate = 50, int Seconds = 20, int Accounts = 100_000)
{
    public static Options Parse(string[] args)
    {
        string? Get(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        int Int(string name, int fallback) => int.TryParse(Get(name), CultureInfo.InvariantCulture, out var v) ? v : fallback;
        return new Options(
            Int("--requests", 1000),
            Get("--concurrency")?.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray() ?? [1, 8, 32],
            Int("--messages", 2000),
            Int("--runs", 5),
            Int("--referrals", 5000),
            double.TryParse(Get("--minutes"), CultureInfo.InvariantCulture, out var m) ? m : 15,
            double.TryParse(Get("--outage-minutes"), CultureInfo.InvariantCulture, out var o) ? o : 3,
            Int("--backlog", 3000),
            Int("--probes", 10),
            double.TryParse(Get("--outage-at"), CultureInfo.InvariantCulture, out var at) ? at : 0.5,
            Int("--idle", 30),
            double.TryParse(Get("--idle-gap"), CultureInfo.InvariantCulture, out var gap) ? gap : 1,
            Int("--rate", 50),
            Int("--seconds", 20),
            Int("--accounts", 100_000));
    }
}
