using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace Declaration.Host.Web;

/// <summary>
/// Charts drawn on the server as accessible SVG (role="img" labelled by its title and description; dark bars and text on
/// white, contrast ≥ 7:1; no scripts). Each page shows a data table next to the chart as its text alternative.
/// </summary>
public static class SvgCharts
{
    public sealed record Bar(string Label, decimal Value);

    private const string BarColour = "#0b4f9c";
    private const string TextColour = "#1a1a1a";
    private const string AxisColour = "#4a4a4a";
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

    private static string E(string s) => Encoder.Encode(s);
    private static string N(double d) => d.ToString("0.##", CultureInfo.InvariantCulture);
    private static string V(decimal d) => d.ToString("0.##", CultureInfo.InvariantCulture);

    private static void Open(StringBuilder sb, string id, string title, string desc, int width, int height)
    {
        sb.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" aria-labelledby="{id}-title {id}-desc" focusable="false">""");
        sb.Append(CultureInfo.InvariantCulture, $"""<title id="{id}-title">{E(title)}</title><desc id="{id}-desc">{E(desc)}</desc>""");
        sb.Append(CultureInfo.InvariantCulture, $"""<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>""");
    }

    /// <summary>One horizontal bar per label, the value written after the bar.</summary>
    public static IHtmlContent HorizontalBars(string id, string title, string desc, IReadOnlyList<Bar> bars)
    {
        const int width = 560, labelWidth = 130, rowHeight = 30, top = 10, valueSpace = 60;
        var height = top * 2 + rowHeight * Math.Max(1, bars.Count);
        var max = Math.Max(1m, bars.Count == 0 ? 1m : bars.Max(b => b.Value));
        var sb = new StringBuilder();
        Open(sb, id, title, desc, width, height);
        var plot = width - labelWidth - valueSpace;
        for (var i = 0; i < bars.Count; i++)
        {
            var y = top + i * rowHeight;
            var w = (double)(bars[i].Value / max) * plot;
            sb.Append(CultureInfo.InvariantCulture, $"""<text x="{labelWidth - 8}" y="{y + 20}" text-anchor="end" font-size="14" fill="{TextColour}">{E(bars[i].Label)}</text>""");
            sb.Append(CultureInfo.InvariantCulture, $"""<rect x="{labelWidth}" y="{y + 5}" width="{N(Math.Max(w, bars[i].Value > 0 ? 2 : 0))}" height="{rowHeight - 10}" fill="{BarColour}"/>""");
            sb.Append(CultureInfo.InvariantCulture, $"""<text x="{N(labelWidth + w + 6)}" y="{y + 20}" font-size="14" fill="{TextColour}">{V(bars[i].Value)}</text>""");
        }
        sb.Append(CultureInfo.InvariantCulture, $"""<line x1="{labelWidth}" y1="{top}" x2="{labelWidth}" y2="{height - top}" stroke="{AxisColour}" stroke-width="1"/>""");
        sb.Append("</svg>");
        return new HtmlString(sb.ToString());
    }

    /// <summary>Vertical columns (e.g. the twelve months), labels under the axis and values above each column.</summary>
    public static IHtmlContent Columns(string id, string title, string desc, IReadOnlyList<Bar> bars)
    {
        const int width = 640, height = 240, left = 36, bottom = 34, top = 24;
        var max = Math.Max(1m, bars.Count == 0 ? 1m : bars.Max(b => b.Value));
        var sb = new StringBuilder();
        Open(sb, id, title, desc, width, height);
        var plotHeight = height - bottom - top;
        var slot = (width - left - 8) / (double)Math.Max(1, bars.Count);
        for (var i = 0; i < bars.Count; i++)
        {
            var h = (double)(bars[i].Value / max) * plotHeight;
            var x = left + i * slot + slot * 0.15;
            var barWidth = slot * 0.7;
            var y = height - bottom - h;
            sb.Append(CultureInfo.InvariantCulture, $"""<rect x="{N(x)}" y="{N(y)}" width="{N(barWidth)}" height="{N(h)}" fill="{BarColour}"/>""");
            sb.Append(CultureInfo.InvariantCulture, $"""<text x="{N(x + barWidth / 2)}" y="{N(y - 5)}" text-anchor="middle" font-size="13" fill="{TextColour}">{V(bars[i].Value)}</text>""");
            sb.Append(CultureInfo.InvariantCulture, $"""<text x="{N(x + barWidth / 2)}" y="{height - bottom + 20}" text-anchor="middle" font-size="13" fill="{TextColour}">{E(bars[i].Label)}</text>""");
        }
        sb.Append(CultureInfo.InvariantCulture, $"""<line x1="{left}" y1="{height - bottom}" x2="{width - 8}" y2="{height - bottom}" stroke="{AxisColour}" stroke-width="1"/>""");
        sb.Append("</svg>");
        return new HtmlString(sb.ToString());
    }
}
