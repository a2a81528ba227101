using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;

namespace ReferralIntake.Functions.Localisation;

/// <summary>The languages the public pages and the advice are written in.</summary>
public enum Language
{
    English,
    Welsh,
}

/// <summary>
/// Every word the public pages, the advice and the form's errors say, in one language: one catalogue per
/// language (Localisation/en.json, Localisation/cy.json, embedded in the executable), looked up by key.
/// Keys ending ".html" hold the catalogue's own markup (links, lists) and are written into pages as they are;
/// every other text is HTML-encoded where it is used. A test fails if either language lacks a key the other has.
/// </summary>
public sealed class Catalogue
{
    public const string QueryParameter = "lang";

    private readonly FrozenDictionary<string, string> _texts;
    private readonly Catalogue? _fallback;

    private Catalogue(Language language, string code, FrozenDictionary<string, string> texts, Catalogue? fallback)
    {
        Language = language;
        Code = code;
        _texts = texts;
        _fallback = fallback;
    }

    public static Catalogue English { get; } = new(Language.English, "en", Load("en"), null);

    /// <summary>Welsh, falling back to English for a key it lacks (the catalogue test keeps that from shipping).</summary>
    public static Catalogue Welsh { get; } = new(Language.Welsh, "cy", Load("cy"), English);

    public static Catalogue For(Language language) => language == Language.Welsh ? Welsh : English;

    public Language Language { get; }

    /// <summary>The BCP 47 code: "en" or "cy". What a page's lang attribute, a report's language and the referral document say.</summary>
    public string Code { get; }

    public Catalogue Other => Language == Language.Welsh ? English : Welsh;

    public IReadOnlyCollection<string> Keys => _texts.Keys;

    public string this[string key] => Find(key) ?? throw new KeyNotFoundException($"No text '{key}' in the {Code} catalogue.");

    /// <summary>A text that some items have and others do not (a hint): null when neither language has it.</summary>
    public string? Optional(string key) => Find(key);

    /// <summary>A text with its {0}-style places filled. The app runs with invariant globalization (no ICU, for the
    /// native build), so numbers are written 4,000 in both languages, as Welsh and English both write them, and month
    /// names come from the catalogue (<see cref="Month"/>).</summary>
    public string Format(string key, params object[] args) => string.Format(CultureInfo.InvariantCulture, this[key], args);

    /// <summary>A month's name, 1 to 12.</summary>
    public string Month(int month) => this[$"month.{month}"];

    /// <summary>A date as people write it: 23 November 2026, 23 Tachwedd 2026.</summary>
    public string Date(DateTime date) => $"{date.Day} {Month(date.Month)} {date.Year}";

    /// <summary>Catalogue markup, written into the page as it is (the catalogue is ours, never user input). Its links end
    /// in {q}, which keeps the page's language: nothing in English, ?lang=cy in Welsh.</summary>
    public string Html(string key) => key.EndsWith(".html", StringComparison.Ordinal)
        ? this[key].Replace("{q}", Language == Language.Welsh ? $"?{QueryParameter}={Code}" : "", StringComparison.Ordinal)
        : throw new ArgumentException($"'{key}' is text, not markup: encode it.", nameof(key));

    /// <summary>A path of the public pages in this language: Welsh pages carry ?lang=cy, English ones nothing.</summary>
    public string Link(string path) => Language == Language.Welsh
        ? $"{path}{(path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}{QueryParameter}={Code}"
        : path;

    /// <summary>The page's language: ?lang=cy for Welsh, English otherwise (the form's links and posts carry it).</summary>
    public static Catalogue ForPage(HttpContext http) =>
        string.Equals(http.Request.Query[QueryParameter], "cy", StringComparison.OrdinalIgnoreCase) ? Welsh : English;

    /// <summary>The API's language: Welsh when Accept-Language prefers cy to en, English otherwise.</summary>
    public static Catalogue ForApi(HttpRequest request)
    {
        var preferred = request.GetTypedHeaders().AcceptLanguage
            .Where(l => l.Quality is not 0)
            .OrderByDescending(l => l.Quality ?? 1)
            .Select(l => l.Value.Value ?? "")
            .FirstOrDefault(l => l.StartsWith("cy", StringComparison.OrdinalIgnoreCase) || l.StartsWith("en", StringComparison.OrdinalIgnoreCase) || l == "*");
        return preferred is not null && preferred.StartsWith("cy", StringComparison.OrdinalIgnoreCase) ? Welsh : English;
    }

    /// <summary>A stored language code back to its catalogue (English for anything else, and for reports from before languages were kept).</summary>
    public static Catalogue ForCode(string? code) => code == "cy" ? Welsh : English;

    private string? Find(string key) => _texts.TryGetValue(key, out var text) ? text : _fallback?.Find(key);

    private static FrozenDictionary<string, string> Load(string code)
    {
        using var stream = typeof(Catalogue).Assembly.GetManifestResourceStream($"ReferralIntake.Localisation.{code}.json")
            ?? throw new InvalidOperationException($"The {code} catalogue is not embedded in the app.");
        using var json = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in json.RootElement.EnumerateObject())
        {
            texts.Add(entry.Name, entry.Value.GetString() ?? "");
        }

        return texts.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
