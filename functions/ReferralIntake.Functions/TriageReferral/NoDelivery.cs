namespace ReferralIntake.Functions.TriageReferral;

internal sealed class NoDelivery : IReferralDelivery
{
    public Task DeliverAsync(string reference, long dequeueCount, CancellationToken ct) => Task.CompletedTask;
}
