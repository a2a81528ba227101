namespace ReferralIntake.Functions.Tests.Support;

/// <summary>Reports used across the integration tests.</summary>
public static class Samples
{
    public const string SecretDescription = "He told her to keep our chats secret and asked for photos — canary-7f3a";
    public const string Postcode = "B45 8AB";

    /// <summary>P2 (images requested, child of 12), routed to West Mercia by a full-postcode exception.</summary>
    public static readonly string WestMerciaP2 = $$$"""
        {"reporter":{"role":"parent","name":"Sam Example","email":"sam@example.com"},
         "child":{"firstName":"Ellie","age":12,"postcode":"{{{Postcode}}}"},
         "concern":{"description":"{{{SecretDescription}}}","platforms":["Snapchat"],"indicators":["imagesRequested"]}}
        """;

    /// <summary>P1 on its own facts (immediate danger), routed to West Mercia.</summary>
    public static readonly string WestMerciaP1 = $$$"""
        {"reporter":{"role":"parent"},"child":{"age":13,"postcode":"{{{Postcode}}}"},
         "concern":{"description":"He says he is outside her school now and wants her to come out","indicators":["immediateDanger"]}}
        """;

    /// <summary>P3 (gifts offered), routed to West Mercia.</summary>
    public static readonly string WestMerciaP3 = $$$"""
        {"reporter":{"role":"parent"},"child":{"age":15,"postcode":"{{{Postcode}}}"},
         "concern":{"description":"Someone in a game keeps sending him gift cards","indicators":["giftsOffered"]}}
        """;

    /// <summary>A child reporting images shared, with no postcode: CEOP, Childline and Report Remove.</summary>
    public const string ChildImagesShared = """
        {"reporter":{"role":"child"},"child":{"age":14},
         "concern":{"description":"Someone shared a picture of me and says he will send it to my school","indicators":["imagesShared","threats"]}}
        """;

    /// <summary>
    /// West Mercia's P2, for a child at <paramref name="postcode"/>, naming <paramref name="username"/> on
    /// <paramref name="platform"/> (the report's one platform too); with no platform, the report names none at all, so
    /// the username alone is not an account (TRIAGE.md, "Linked reports").
    /// </summary>
    public static string Naming(string username, string? platform = "Snapchat", string postcode = Postcode, string description = SecretDescription)
    {
        var report = System.Text.Json.Nodes.JsonNode.Parse(WestMerciaP2)!.AsObject();
        report["child"]!["postcode"] = postcode;
        var concern = report["concern"]!.AsObject();
        concern["description"] = description;
        concern.Remove("platforms");
        var suspect = new System.Text.Json.Nodes.JsonObject { ["usernames"] = new System.Text.Json.Nodes.JsonArray(username) };
        if (platform is not null)
        {
            suspect["platform"] = platform;
            concern["platforms"] = new System.Text.Json.Nodes.JsonArray(platform);
        }

        report["suspect"] = suspect;
        return report.ToJsonString();
    }
}
