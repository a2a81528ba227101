using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Admin;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Health;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.RetentionSweep;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Serialization;

/// <summary>
/// Everything the app serialises, in one source-generated context: the partner contract, what storage
/// keeps (the domain's own report and decision, state, audit, idempotency records), the webhook document
/// and partner callback, and the operators' API. Source-generated for speed at start (the worker itself
/// uses reflection for its own bindings). Web defaults: camelCase names; enums as their names.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, Converters = [typeof(UkPostcodeJsonConverter)])]
// the partner contract
[JsonSerializable(typeof(ReferralRequest))]
[JsonSerializable(typeof(AcceptedReferral))]
[JsonSerializable(typeof(ReferralStatusBody))]
[JsonSerializable(typeof(FieldError[]))]
[JsonSerializable(typeof(AcknowledgeReferral.AcknowledgementRequest))]
[JsonSerializable(typeof(RouteBody))]
[JsonSerializable(typeof(ForceReferrals.ForceReferralList))]
[JsonSerializable(typeof(GetReferralStatus.SandboxDeliveries))]
// storage
[JsonSerializable(typeof(ConcernReport))]
[JsonSerializable(typeof(TriageDecision))]
[JsonSerializable(typeof(ReferralState))]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(IdempotencyRecord))]
[JsonSerializable(typeof(ErasureRecord))]
// delivery
[JsonSerializable(typeof(ReferralDocument))]
[JsonSerializable(typeof(Links.LinkNoticeDocument))]
[JsonSerializable(typeof(PartnerCallback))]
[JsonSerializable(typeof(DeliveryMessage))]
[JsonSerializable(typeof(DestinationHealthRecord))]
// hosting, operators, health
[JsonSerializable(typeof(AdminApi.ReplayRequest))]
[JsonSerializable(typeof(AdminApi.ReplayResult))]
[JsonSerializable(typeof(IReadOnlyList<PoisonedReferral>))]
[JsonSerializable(typeof(SweepResult))]
[JsonSerializable(typeof(IReadOnlyList<DestinationOverview>))]
[JsonSerializable(typeof(HealthFunction.HealthBody))]
[JsonSerializable(typeof(JsonObject))]
// the public pages: feedback, and the statistics' aggregate
[JsonSerializable(typeof(Feedback.FeedbackEntry))]
[JsonSerializable(typeof(Statistics.StatisticsAggregate))]
public sealed partial class AppJsonContext : JsonSerializerContext;

/// <summary>A postcode kept in its canonical form ("B15 2TT", or "B15" alone) and restored as it was kept.</summary>
public sealed class UkPostcodeJsonConverter : JsonConverter<Domain.Postcodes.UkPostcode>
{
    public override Domain.Postcodes.UkPostcode? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null
        : Domain.Postcodes.UkPostcode.Restore(reader.GetString()) ?? throw new JsonException("A stored postcode is not in canonical form.");

    public override void Write(Utf8JsonWriter writer, Domain.Postcodes.UkPostcode value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Canonical);
}
