using System.Text.RegularExpressions;
using Ganss.Xss;
using Markdig;

namespace Declaration.Notices.Domain;

/// <summary>
/// A notice's body: Markdown rendered by Markdig with raw HTML disabled, then sanitised by HtmlSanitizer (defence in
/// depth: a script tag or an event attribute never survives), headings shifted one level down under the page's h1.
/// Also the searchable text and its bigrams.
/// </summary>
internal static partial class NoticeText
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseAutoLinks()
        .UseSoftlineBreakAsHardlineBreak()
        .Build();

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Clear();
        sanitizer.AllowedSchemes.Add("http");
        sanitizer.AllowedSchemes.Add("https");
        sanitizer.AllowedSchemes.Add("mailto");
        sanitizer.AllowedAttributes.Remove("style");
        sanitizer.AllowedTags.Remove("img");
        sanitizer.AllowedTags.Remove("form");
        sanitizer.AllowedTags.Remove("input");
        sanitizer.AllowedTags.Remove("button");
        sanitizer.AllowedTags.Remove("textarea");
        sanitizer.AllowedTags.Remove("select");
        sanitizer.AllowedTags.Remove("option");
        return sanitizer;
    }

    public static string ToHtml(string markdown)
    {
        var html = Sanitizer.Sanitize(Markdown.ToHtml(markdown ?? string.Empty, Pipeline));
        for (var level = 5; level >= 1; level--)
            html = html.Replace($"<h{level}", $"<h{level + 1}", StringComparison.Ordinal).Replace($"</h{level}>", $"</h{level + 1}>", StringComparison.Ordinal);
        return html;
    }

    public static string ToPlainText(string markdown) => Markdown.ToPlainText(markdown ?? string.Empty, Pipeline);

    /// <summary>What the keyword search matches: title and plain body, whitespace collapsed, lower-cased.</summary>
    public static string SearchText(string title, string markdown) =>
        Normalize(title + " " + ToPlainText(markdown));

    public static string Normalize(string text) => Whitespace().Replace(text, " ").Trim().ToLowerInvariant();

    /// <summary>Every distinct 2-character substring (by UTF-16 unit; Chinese characters are single units).</summary>
    public static string[] Bigrams(string text)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < text.Length; i++) set.Add(text.Substring(i, 2));
        return [.. set];
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
