using System.Text.RegularExpressions;

namespace ReferralIntake.Functions.Tests.Support;

/// <summary>
/// A form post as a browser makes it: the page it came from gives the anti-forgery token (the client's cookie
/// container already holds its cookie), sent with the form's fields.
/// </summary>
public static partial class FormPost
{
    public static Task<HttpResponseMessage> SendAsync(HttpClient client, string page, string path, params (string Name, string Value)[] fields)
    {
        var token = AntiforgeryToken().Match(page) is { Success: true } found ? found.Groups[1].Value
            : throw new InvalidOperationException($"The page posting to {path} has no anti-forgery token.");
        return client.PostAsync(path, new FormUrlEncodedContent([KeyValuePair.Create("__antiforgery", token), .. fields.Select(f => KeyValuePair.Create(f.Name, f.Value))]));
    }

    [GeneratedRegex("name=\"__antiforgery\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
