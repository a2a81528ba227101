using System.Globalization;
using System.Security.Claims;
using Microsoft.Azure.Functions.Worker;
using ReferralIntake.Functions.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.ForceReferrals;

/// <summary>One referral awaiting a force: never report content, only what orders the work.</summary>
public sealed record ForceReferralItem(string Reference, string Priority, string State, DateTimeOffset ReceivedAt, DateTimeOffset? DeliveredAt, bool LocationUncertain);

/// <summary>A link notice awaiting a force that pulls: a later referral (<see cref="LinkedReference"/>) named an account its referral (<see cref="Reference"/>) names.</summary>
public sealed record ForceLinkNoticeItem(string Reference, string LinkedReference);

/// <summary>What awaits a force, P1 first and oldest first within a priority; and its link notices not yet fetched (an addition to API.md).</summary>
public sealed record ForceReferralList(string ForceId, IReadOnlyList<ForceReferralItem> Referrals, IReadOnlyList<ForceLinkNoticeItem> LinkNotices);

/// <summary>
/// The force API's reading side (API.md, "Force hand-off"): GET /api/forces/{forceId}/referrals lists
/// what awaits the force (state=pending: not yet fetched; state=delivered: fetched or pushed, awaiting
/// acknowledgement; no state: both), and GET /api/forces/{forceId}/referrals/{reference} returns the
/// signed referral document the webhook carries. For a force that pulls, its first fetch is the
/// delivery. GET /api/forces/{forceId}/referrals/{reference}/link-notices/{linkedReference} returns a link notice,
/// signed the same way (API.md, "Linked referrals"): its first fetch is its delivery, and takes it off the list.
/// With the force's own key; another force's referral or notice answers 404.
/// </summary>
public static class ForceReferralsFunction
{
    [Function("ListForceReferrals")]
    [Access(Caller.Force, RateLimits.PartnerStatus, NoStore = true)]
    public static async Task<IResult> RunListAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/forces/{forceId}/referrals")] HttpRequest request, string forceId) =>
        await ListAsync(forceId, request.QueryValue("state"), request.HttpContext.User,
            request.Service<ForceReferralQueries>(), request.HttpContext.RequestAborted).ConfigureAwait(false);

    [Function("FetchForceReferral")]
    [Access(Caller.Force, RateLimits.PartnerStatus, NoStore = true)]
    public static async Task<IResult> RunFetchAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/forces/{forceId}/referrals/{reference}")] HttpRequest request, string forceId, string reference)
    {
        return await FetchAsync(forceId, reference, request.HttpContext.User, request.HttpContext, request.Service<ReferralDelivery>(),
            request.Service<ForceDocumentSigner>(), request.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    [Function("FetchForceLinkNotice")]
    [Access(Caller.Force, RateLimits.PartnerStatus, NoStore = true)]
    public static async Task<IResult> RunFetchNoticeAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/forces/{forceId}/referrals/{reference}/link-notices/{linkedReference}")] HttpRequest request,
        string forceId, string reference, string linkedReference) =>
        await FetchNoticeAsync(forceId, reference, linkedReference, request.HttpContext.User, request.HttpContext, request.Service<Links.LinkNotices>(),
            request.Service<ForceDocumentSigner>(), request.HttpContext.RequestAborted).ConfigureAwait(false);

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> FetchNoticeAsync(
        string forceId, string reference, string linkedReference, ClaimsPrincipal user, HttpContext http,
        Links.LinkNotices notices, ForceDocumentSigner signer, CancellationToken ct)
    {
        if (!IsCaller(user, forceId) || !References.IsWellFormed(reference) || !References.IsWellFormed(linkedReference)
            || await notices.FetchAsync(reference, linkedReference, forceId, ct).ConfigureAwait(false) is not { } body)
        {
            return Problems.NotFound();
        }

        return Signed(http, signer.Headers(forceId, reference, body, Links.LinkNotices.IdempotencyKeyOf(reference, linkedReference)), body);
    }

    public static async Task<Results<Ok<ForceReferralList>, ProblemHttpResult>> ListAsync(
        string forceId, string? state, ClaimsPrincipal user, ForceReferralQueries queries, CancellationToken ct)
    {
        if (!IsCaller(user, forceId))
        {
            return Problems.NotFound();
        }

        if (state is not (null or "pending" or "delivered"))
        {
            return Problems.InvalidRequest("state", "The state is \"pending\" (not fetched yet) or \"delivered\" (awaiting acknowledgement); leave it out for both.");
        }

        var items = await queries.AwaitingAsync(forceId, ct).ConfigureAwait(false);
        var notices = await queries.LinkNoticesAsync(forceId, ct).ConfigureAwait(false);
        return TypedResults.Ok(new ForceReferralList(forceId, [.. items.Where(i => state is null || i.State == state || (state == "pending" && i.State == "retrying"))], notices));
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> FetchAsync(
        string forceId, string reference, ClaimsPrincipal user, HttpContext http,
        ReferralDelivery delivery, ForceDocumentSigner signer, CancellationToken ct)
    {
        if (!IsCaller(user, forceId) || !References.IsWellFormed(reference)
            || await delivery.FetchAsync(reference, forceId, ct).ConfigureAwait(false) is not { } fetched)
        {
            return Problems.NotFound();
        }

        var body = fetched.Document.ToArray();
        return Signed(http, signer.Headers(forceId, reference, body), body);
    }

    /// <summary>The body as JSON, with the signature headers a webhook delivery would carry.</summary>
    private static FileContentHttpResult Signed(HttpContext http, IEnumerable<(string Name, string Value)> headers, byte[] body)
    {
        foreach (var (name, value) in headers)
        {
            http.Response.Headers[name] = value;
        }

        return TypedResults.File(body, "application/json; charset=utf-8");
    }

    private static bool IsCaller(ClaimsPrincipal user, string forceId) =>
        string.Equals(ForceAuthentication.ForceId(user), forceId, StringComparison.Ordinal);
}

/// <summary>What awaits a force, with each referral's route state: one listing, then the states read in parallel.</summary>
public sealed class ForceReferralQueries(ForceInboxStore inbox, ReferralStateStore store, Links.LinkNotices notices)
{
    /// <summary>The link notices awaiting the force (a force that pulls, or the local inbox): one listing.</summary>
    public async Task<IReadOnlyList<ForceLinkNoticeItem>> LinkNoticesAsync(string forceId, CancellationToken ct) =>
        [.. (await notices.ListAsync(forceId, ct).ConfigureAwait(false)).Select(n => new ForceLinkNoticeItem(n.Reference, n.From))];

    public async Task<IReadOnlyList<ForceReferralItem>> AwaitingAsync(string forceId, CancellationToken ct)
    {
        var entries = await inbox.ListAsync(forceId, ct).ConfigureAwait(false);
        var key = RouteKeys.ForRecipient(forceId);
        var states = await Task.WhenAll(entries.Select(e => store.LoadStateAsync(e.Reference, ct))).ConfigureAwait(false);
        var items = new List<ForceReferralItem>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            // Erased, or acknowledged after the listing began: not awaiting any more.
            if (states[i]?.DeliveryOf(key) is { State: RouteState.Pending or RouteState.Retrying or RouteState.Delivered } d)
            {
                var route = states[i]!.AllRoutes.First(r => RouteKeys.KeyOf(r) == key);
                items.Add(new ForceReferralItem(entries[i].Reference, entries[i].Priority.ToString(), d.State.Wire(), entries[i].ReceivedAt, d.DeliveredAt, route.LocationUncertain));
            }
        }

        return items;
    }
}

/// <summary>
/// Signs a fetched document as the webhook signs a delivery (<see cref="WebhookSignature"/>), with the
/// force's destination secret. In local development, where no force has a secret, with a fixed
/// development-only one, so the local inbox shows exactly what a force would receive.
/// </summary>
public sealed class ForceDocumentSigner(Destinations destinations, TimeProvider clock)
{
    /// <summary>Local development only: Azurite, loopback. Never a secret anywhere else.</summary>
    public const string LocalDevelopmentSecret = "local-development-only-not-a-secret";

    /// <param name="idempotencyKey">The delivery's key: by default the referral document's; a link notice has its own.</param>
    public IEnumerable<(string Name, string Value)> Headers(string forceId, string reference, byte[] body, string? idempotencyKey = null)
    {
        var secrets = destinations.For(forceId)?.Secrets ?? [LocalDevelopmentSecret];
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        idempotencyKey ??= ReferralDelivery.IdempotencyKeyOf(reference, RouteKeys.ForRecipient(forceId));
        return
        [
            (WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture)),
            (WebhookSignature.SignatureHeader, WebhookSignature.Sign(secrets, timestamp, idempotencyKey, body)),
            (WebhookSignature.IdempotencyHeader, idempotencyKey),
            (WebhookSignature.ReferenceHeader, reference),
        ];
    }
}
