using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Api;

/// <summary>
/// The OpenAPI document as API.md states the contract, generated from the code's own types and routes
/// with these transformers on top: which fields are required (only <c>reporter.role</c> and
/// <c>concern.description</c>), enums, lengths, formats and the postcode pattern, the two key schemes
/// (a partner's, a force's) and the Idempotency-Key header, an example per operation, and every status
/// an operation answers. OpenApiContractTests lints the served document, validates each example
/// against its schema and checks the constraints against the reader that enforces them.
/// </summary>
public static class OpenApiContract
{
    public const string PartnerKey = "partnerKey", ForceKey = "forceKey";

    /// <summary>A full postcode ("B15 2TT", any case, space optional) or its outward part ("B15").</summary>
    public const string PostcodePattern = "^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?( ?[0-9][A-Za-z]{2})?$";

    /// <summary>
    /// The generator for this contract, registered from this assembly so its XML comments (the descriptions) are
    /// included: what tests and tooling call to generate the document from <see cref="ReferralsApi.MapReferralsApiV1"/>;
    /// the worker serves the document kept in the repo (OpenApi/openapi.v1.json).
    /// </summary>
    public static IServiceCollection AddReferralsContract(this IServiceCollection services) => services.AddOpenApi("v1", Configure);

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "ReferralIntake",
                Version = "1",
                Description = "Concern reports about online child grooming, from partner apps, and their hand-off to police forces. "
                    + "Partners submit and read status with their own key; forces list, fetch and acknowledge the referrals routed to them with theirs. "
                    + "Errors are RFC 9457 problem details. Contract version 1: fields are added, never renamed or removed, within a version.",
                License = new OpenApiLicense { Name = "Use under a partner or force agreement with the service", Identifier = "LicenseRef-PartnerAgreement" },
            };
            // Relative: the client's base address is the service it was given (live, or a sandbox).
            document.Servers = [new OpenApiServer { Url = "/", Description = "This service" }];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [PartnerKey] = new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key", Description = "A partner's API key (a sandbox key behaves the same, and nothing reaches a force)." },
                [ForceKey] = new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key", Description = "A police force's (or CEOP's) own key: good only for referrals routed to it." },
            };
            document.Tags = new HashSet<OpenApiTag>
            {
                new() { Name = "Referrals", Description = "For partner apps: submit a concern report, read its status." },
                new() { Name = "Forces", Description = "For police forces and CEOP: list what awaits you, fetch the signed referral document and link notices, acknowledge it." },
                new() { Name = "Health", Description = "For monitoring: whether the service can reach its storage." },
            };
            return Task.CompletedTask;
        });

        options.AddOperationTransformer((operation, context, _) =>
        {
            var tag = operation.Tags?.FirstOrDefault()?.Name;
            var scheme = tag switch { "Forces" => ForceKey, "Referrals" => PartnerKey, _ => null };
            operation.Security = scheme is null
                ? [new OpenApiSecurityRequirement()] // explicitly anonymous
                : [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] }];

            switch (operation.OperationId)
            {
                case "SubmitReferral":
                    operation.Description = "Only reporter.role and concern.description are required. Unknown fields are refused (400), so a typo shows on day one. "
                        + "Send an Idempotency-Key to make a retry safe: the same key and body again returns the first answer; the same key with another body is 409; a key whose referral was erased on request is 410.";
                    foreach (var parameter in operation.Parameters ?? [])
                    {
                        if (parameter is OpenApiParameter { Name: "Idempotency-Key" } key)
                        {
                            key.Description = "Any 1 to 100 visible ASCII characters, chosen by the partner per report.";
                            key.Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 100, Pattern = "^[!-~]+$" };
                            key.Example = "report-2026-11-23-0001";
                        }

                        if (parameter is OpenApiParameter { Name: "Accept-Language" } language)
                        {
                            language.Description = "cy for the advice texts in Welsh (and the report recorded as made in Welsh, which the force is told); English otherwise. Qualities are honoured: cy must be preferred to en.";
                            language.Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 200 };
                            language.Example = "cy";
                        }
                    }

                    SetExample(operation.RequestBody?.Content, "application/json", Examples.Submit);
                    SetExample(operation.Responses?.GetValueOrDefault("202")?.Content, "application/json", Examples.Accepted);
                    break;
                case "GetReferralStatus":
                    SetExample(operation.Responses?.GetValueOrDefault("200")?.Content, "application/json", Examples.Status);
                    break;
                case "ListForceReferrals":
                    SetExample(operation.Responses?.GetValueOrDefault("200")?.Content, "application/json", Examples.ForceList);
                    break;
                case "FetchForceReferral":
                    SetExample(operation.Responses?.GetValueOrDefault("200")?.Content, "application/json", Examples.Document);
                    break;
                case "FetchForceLinkNotice":
                    SetExample(operation.Responses?.GetValueOrDefault("200")?.Content, "application/json", Examples.LinkNotice);
                    break;
                case "AcknowledgeReferral":
                    SetExample(operation.RequestBody?.Content, "application/json", Examples.Acknowledgement);
                    SetExample(operation.Responses?.GetValueOrDefault("200")?.Content, "application/json", Examples.AcknowledgedRoute);
                    break;
                case "GetSandboxDeliveries":
                    SetExample(operation.Responses?.GetValueOrDefault("200")?.Content, "application/json",
                        new JsonObject { ["reference"] = "RI-7K2M-Q9XD-4HTB", ["deliveries"] = new JsonArray(new JsonObject { ["route"] = "police-force:west-midlands", ["document"] = Examples.Document }) });
                    break;
                case "Health":
                    SetExample(operation.Responses?.GetValueOrDefault("200")?.Content, "application/json", JsonNode.Parse("""{ "status": "ready", "queue": "referrals", "container": "referrals" }""")!);
                    break;
            }

            return Task.CompletedTask;
        });

        options.AddSchemaTransformer((schema, context, _) =>
        {
            // The web defaults read numbers written as strings too, and the generator says so; the contract's numbers are numbers.
            foreach (var property in schema.Properties?.Values.OfType<OpenApiSchema>() ?? [])
            {
                if (property.Type is { } t && t.HasFlag(JsonSchemaType.Integer) && t.HasFlag(JsonSchemaType.String))
                {
                    (property.Type, property.Pattern) = (t & ~JsonSchemaType.String, null);
                }
            }

            var type = context.JsonTypeInfo.Type;
            // Fields left out when empty (null) are not required in answers either.
            if (type == typeof(ReferralStatusBody))
            {
                Require(schema, "reference", "status");
            }
            else if (type == typeof(RouteBody))
            {
                Require(schema, "kind");
            }
            else if (type == typeof(AuditEntry))
            {
                Require(schema, "at", "event");
            }
            else if (type == typeof(AdviceBody))
            {
                // blackmail is this service's addition to API.md's kinds (TRIAGE.md, "Advice fitted to the harm").
                Text(schema, "kind", null, values: ReferralIntake.Domain.Advice.AcknowledgementAdvice.Kinds);
            }

            if (type == typeof(ReferralRequest))
            {
                Require(schema, "reporter", "concern");
                schema.AdditionalPropertiesAllowed = false;
                schema.Examples = [Examples.Submit];
            }
            else if (type == typeof(ReporterBody))
            {
                Require(schema, "role");
                schema.AdditionalPropertiesAllowed = false;
                Text(schema, "role", max: null, values: WireNames.Roles.Keys.Order(StringComparer.Ordinal));
                Text(schema, "name", 100);
                Text(schema, "email", 254, format: "email");
                Text(schema, "phone", 25);
            }
            else if (type == typeof(ChildBody))
            {
                Require(schema);
                schema.AdditionalPropertiesAllowed = false;
                Text(schema, "firstName", 50);
                Number(schema, "age", 0, 17);
                Text(schema, "postcode", 10, pattern: PostcodePattern);
            }
            else if (type == typeof(ConcernBody))
            {
                Require(schema, "description");
                schema.AdditionalPropertiesAllowed = false;
                Text(schema, "description", ConcernReportReader.DescriptionMaxLength, min: ConcernReportReader.DescriptionMinLength);
                List(schema, "platforms", Items(50));
                List(schema, "indicators", Items(null, WireNames.Indicators.Keys.Order(StringComparer.Ordinal)));
                if (Property(schema, "meetingAt") is { } meetingAt)
                {
                    meetingAt.Format = "date-time";
                }
            }
            else if (type == typeof(SuspectBody))
            {
                Require(schema);
                schema.AdditionalPropertiesAllowed = false;
                List(schema, "usernames", Items(100));
                Text(schema, "platform", 50);
                Number(schema, "approximateAge", 0, 120);
                Text(schema, "location", 200);
            }
            else if (type == typeof(AcknowledgeReferral.AcknowledgementRequest))
            {
                Require(schema, "outcome");
                schema.AdditionalPropertiesAllowed = false;
                Text(schema, "outcome", null, values: ["accepted", "wrong-area"]);
                Text(schema, "note", AcknowledgeReferral.AcknowledgeReferralFunction.MaxNoteLength);
            }

            return Task.CompletedTask;
        });
    }

    private static void SetExample(IDictionary<string, OpenApiMediaType>? content, string mediaType, JsonNode example)
    {
        if (content?.TryGetValue(mediaType, out var media) == true)
        {
            media.Example = example.DeepClone();
        }
    }

    private static void Require(OpenApiSchema schema, params string[] required) => schema.Required = new HashSet<string>(required, StringComparer.Ordinal);

    private static OpenApiSchema? Property(OpenApiSchema schema, string name) =>
        schema.Properties?.TryGetValue(name, out var property) == true ? property as OpenApiSchema : null;

    private static void Text(OpenApiSchema schema, string name, int? max, int? min = null, string? format = null, string? pattern = null, IEnumerable<string>? values = null)
    {
        if (Property(schema, name) is not { } property)
        {
            return;
        }

        (property.MaxLength, property.MinLength, property.Format, property.Pattern) = (max, min, format, pattern);
        if (values is not null)
        {
            property.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
        }
    }

    private static void Number(OpenApiSchema schema, string name, int min, int max)
    {
        if (Property(schema, name) is { } property)
        {
            (property.Minimum, property.Maximum) = (min.ToString(System.Globalization.CultureInfo.InvariantCulture), max.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static OpenApiSchema Items(int? maxLength, IEnumerable<string>? values = null) => new()
    {
        Type = JsonSchemaType.String,
        MaxLength = maxLength,
        Enum = values is null ? null : [.. values.Select(v => (JsonNode)JsonValue.Create(v))],
    };

    private static void List(OpenApiSchema schema, string name, OpenApiSchema items)
    {
        if (Property(schema, name) is { } property)
        {
            (property.Items, property.MaxItems) = (items, 20);
        }
    }

    /// <summary>One example per operation, written as a partner or force would see them.</summary>
    public static class Examples
    {
        public static JsonNode Submit => JsonNode.Parse("""
            {
              "reporter": { "role": "parent", "name": "Sam Example", "email": "sam@example.com", "contactConsent": true },
              "child": { "firstName": "Ellie", "age": 12, "postcode": "B15 2TT" },
              "concern": {
                "description": "A man on Snapchat keeps asking my daughter for photos and told her to keep it secret.",
                "platforms": ["Snapchat"],
                "indicators": ["imagesRequested", "secrecyRequested"]
              }
            }
            """)!;

        public static JsonNode Accepted => JsonNode.Parse("""
            {
              "reference": "RI-7K2M-Q9XD-4HTB",
              "status": "received",
              "statusUrl": "/api/referrals/RI-7K2M-Q9XD-4HTB",
              "advice": [
                { "kind": "emergency", "text": "If a child is in immediate danger, call 999." },
                { "kind": "nspcc-helpline", "text": "If you are worried about a child, the NSPCC Helpline can help: call 0808 800 5000 or email help@nspcc.org.uk." }
              ]
            }
            """)!;

        public static JsonNode Status => JsonNode.Parse("""
            {
              "reference": "RI-7K2M-Q9XD-4HTB",
              "status": "delivered",
              "triage": {
                "priority": "P2",
                "reasons": ["P2: Images were requested from a child aged 12, under 13."],
                "routes": [
                  { "kind": "police-force", "forceId": "west-midlands", "forceName": "West Midlands Police", "regionalUnit": "ROCU West Midlands",
                    "locationUncertain": false, "notifyRegionalUnit": false, "reason": "The child's postcode B15 2TT is in the West Midlands Police area.",
                    "state": "delivered", "attempts": 1, "deliveredAt": "2026-11-23T01:40:02Z" }
                ],
                "decidedAt": "2026-11-23T01:40:01Z"
              }
            }
            """)!;

        public static JsonNode ForceList => JsonNode.Parse("""
            {
              "forceId": "west-midlands",
              "referrals": [
                { "reference": "RI-9F3A-2LQX-7MDE", "priority": "P1", "state": "pending", "receivedAt": "2026-11-23T01:52:10Z", "deliveredAt": null, "locationUncertain": false },
                { "reference": "RI-7K2M-Q9XD-4HTB", "priority": "P2", "state": "delivered", "receivedAt": "2026-11-23T01:40:00Z", "deliveredAt": "2026-11-23T01:40:02Z", "locationUncertain": false }
              ],
              "linkNotices": [ { "reference": "RI-4C8N-M2PW-6RJA", "linkedReference": "RI-7K2M-Q9XD-4HTB" } ]
            }
            """)!;

        /// <summary>A link notice: a later referral named an account the force's own referral names.</summary>
        public static JsonNode LinkNotice => JsonNode.Parse("""
            {
              "kind": "link-notice",
              "version": 1,
              "reference": "RI-4C8N-M2PW-6RJA",
              "links": [ { "platform": "snapchat", "referrals": [
                { "reference": "RI-7K2M-Q9XD-4HTB", "forceId": "west-midlands", "acceptedAt": "2026-11-23T01:40:00Z", "priority": "P2" },
                { "reference": "RI-2D6F-H8KL-3QWE", "forceId": "staffordshire", "acceptedAt": "2026-11-20T18:02:11Z", "priority": "P2" } ] } ],
              "notifyRegionalUnit": true,
              "reason": "The account is named in 3 referrals held by West Midlands Police, Staffordshire Police and West Mercia Police."
            }
            """)!;

        private const string ForceRoute = """
            { "kind": "police-force", "forceId": "west-midlands", "forceName": "West Midlands Police", "regionalUnit": "ROCU West Midlands",
              "locationUncertain": false, "notifyRegionalUnit": false, "reason": "The child's postcode B15 2TT is in the West Midlands Police area." }
            """;

        /// <summary>The signed referral document a force receives (by webhook, or fetched).</summary>
        public static JsonNode Document => JsonNode.Parse($$"""
            {
              "contractVersion": 1,
              "reference": "RI-7K2M-Q9XD-4HTB",
              "destination": "police-force:west-midlands",
              "receivedAt": "2026-11-23T01:40:00Z",
              "route": {{ForceRoute}},
              "triage": {
                "priority": "P2",
                "reasons": ["P2: Images were requested from a child aged 12, under 13."],
                "routes": [ {{ForceRoute}} ],
                "decidedAt": "2026-11-23T01:40:01Z"
              },
              "report": {{Submit.ToJsonString()}}
            }
            """)!;

        public static JsonNode AcknowledgedRoute => JsonNode.Parse("""
            { "kind": "police-force", "forceId": "west-midlands", "forceName": "West Midlands Police", "regionalUnit": "ROCU West Midlands",
              "locationUncertain": false, "notifyRegionalUnit": false, "reason": "The child's postcode B15 2TT is in the West Midlands Police area.",
              "state": "acknowledged", "attempts": 1, "deliveredAt": "2026-11-23T01:40:02Z", "acknowledgedAt": "2026-11-23T01:47:30Z" }
            """)!;

        public static JsonNode Acknowledgement => JsonNode.Parse("""{ "outcome": "accepted", "note": "Our incident 4471/23." }""")!;
    }
}
