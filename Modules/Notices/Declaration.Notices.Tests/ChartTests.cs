using System.Xml.Linq;
using Declaration.Host.Web;

namespace Declaration.Notices.Tests;

public sealed class ChartTests
{
    private static XElement Render(Microsoft.AspNetCore.Html.IHtmlContent html)
    {
        using var writer = new StringWriter();
        html.WriteTo(writer, System.Text.Encodings.Web.HtmlEncoder.Default);
        return XElement.Parse(writer.ToString());
    }

    [Test]
    public void AChart_IsAnAccessibleImage_WithItsTitleDescriptionAndOneBarPerValue()
    {
        XNamespace svg = "http://www.w3.org/2000/svg";
        var bars = new[] { new SvgCharts.Bar("1月", 3), new SvgCharts.Bar("2月", 0), new SvgCharts.Bar("3月<&>", 2) };
        var columns = Render(SvgCharts.Columns("c", "每月人月数", "1月3，2月0，3月2", bars));
        var horizontal = Render(SvgCharts.HorizontalBars("h", "按状态", "待审核1人", bars));
        Assert.Multiple(() =>
        {
            foreach (var chart in new[] { columns, horizontal })
            {
                Assert.That(chart.Attribute("role")?.Value, Is.EqualTo("img"));
                var ids = chart.Attribute("aria-labelledby")!.Value.Split(' ');
                Assert.That(ids.Select(id => chart.Descendants().Single(e => (string?)e.Attribute("id") == id).Name.LocalName), Is.EqualTo(new[] { "title", "desc" }));
                Assert.That(chart.Descendants(svg + "rect").Count(), Is.EqualTo(1 + bars.Length), "a background and one bar per value");
                Assert.That(chart.Descendants(svg + "text").Select(t => t.Value), Does.Contain("3月<&>"), "labels are encoded, not markup");
            }
            Assert.That(columns.Element(svg + "title")!.Value, Is.EqualTo("每月人月数"));
            var heights = columns.Descendants(svg + "rect").Skip(1).Select(r => double.Parse(r.Attribute("height")!.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.That(heights[0], Is.GreaterThan(heights[2]));
            Assert.That(heights[1], Is.Zero);
        });
    }
}
