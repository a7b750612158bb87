using System.Globalization;
using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Domain;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using QRCoder;

namespace Declaration.AnnualReview.Infrastructure.Pdf;

/// <summary>What the certificate (年审认证确认书) states.</summary>
internal sealed record CertificateContent(
    string CertificateNumber, string ShortCode, string VerifyUrl, string UnitName, string CreditCode, int BusinessYear,
    int PersonMonths, decimal CertifiedCount, DateTimeOffset AcceptedAt, string AcceptedByName, IReadOnlyList<CertifiedPersonLineDto> Persons);

/// <summary>
/// Renders the certificate as a PDF with the embedded CJK font (text stays extractable), the confirmed persons (masked)
/// and a QR code drawn as vector rectangles that opens the public verification page.
/// </summary>
internal static class CertificatePdf
{
    private const double Margin = 50;
    private const double PageWidth = 595.28;  // A4 in points
    private const double PageHeight = 841.89;
    private const double RowHeight = 18;

    private static readonly (string Title, double Width)[] Columns =
    [
        ("序号", 32), ("公民身份号码", 138), ("姓名", 62), ("残疾类别", 80), ("等级", 50), ("符合月数", 62), ("人月数", 60),
    ];

    public static byte[] Render(CertificateContent c)
    {
        CjkFontResolver.EnsureInstalled();
        using var document = new PdfDocument();
        document.Info.Title = $"{c.BusinessYear}年度残疾人按比例就业年审认证确认书 {c.CertificateNumber}";
        document.Info.Subject = c.UnitName;
        document.Info.Creator = "残疾人按比例就业情况联网认证（用人单位申报系统·浙江）";
        document.Info.CreationDate = c.AcceptedAt.UtcDateTime;
        document.Info.ModificationDate = c.AcceptedAt.UtcDateTime;

        var options = new XPdfFontOptions(PdfFontEncoding.Unicode);
        var title = new XFont(CjkFontResolver.FamilyName, 18, XFontStyleEx.Regular, options);
        var body = new XFont(CjkFontResolver.FamilyName, 11, XFontStyleEx.Regular, options);
        var small = new XFont(CjkFontResolver.FamilyName, 9, XFontStyleEx.Regular, options);
        var local = ChinaTime.Local(c.AcceptedAt);

        var page = document.AddPage();
        page.Width = XUnit.FromPoint(PageWidth);
        page.Height = XUnit.FromPoint(PageHeight);
        var gfx = XGraphics.FromPdfPage(page);
        var pageNumber = 1;

        gfx.DrawString("残疾人按比例就业情况年审认证确认书", title, XBrushes.Black,
            new XRect(Margin, Margin, PageWidth - 2 * Margin, 26), XStringFormats.TopCenter);

        // QR code (top right) with the short code below it.
        const double qrSize = 96;
        var qrX = PageWidth - Margin - qrSize;
        var qrY = Margin + 36;
        DrawQrCode(gfx, c.VerifyUrl, qrX, qrY, qrSize);
        gfx.DrawString($"核验码 {c.ShortCode}", small, XBrushes.Black, new XRect(qrX - 20, qrY + qrSize + 2, qrSize + 40, 12), XStringFormats.TopCenter);

        var y = Margin + 40;
        var textWidth = qrX - Margin - 12;
        foreach (var line in new[]
        {
            $"证书编号：{c.CertificateNumber}",
            $"单位名称：{c.UnitName}",
            $"统一社会信用代码：{c.CreditCode}",
            $"业务年度：{c.BusinessYear}年度",
            $"认证安排残疾人就业人数：{c.CertifiedCount.ToString("0.00", CultureInfo.InvariantCulture)} 人",
            $"（按月折算：人月数 {c.PersonMonths} ÷ 12；重度残疾人每月按2计算）",
            $"年审认证确认时间：{local:yyyy年M月d日 HH:mm:ss}（北京时间）",
            $"确认人：{c.AcceptedByName}",
        })
        {
            y = DrawWrapped(gfx, line, body, Margin, y, textWidth, 17);
        }
        y = Math.Max(y, qrY + qrSize + 18) + 8;

        y = DrawWrapped(gfx, $"经全国残疾人按比例就业情况联网认证，本单位{c.BusinessYear}年度安排残疾人就业情况已经残疾人联合会审核确认，名单如下：",
            body, Margin, y, PageWidth - 2 * Margin, 17) + 4;

        y = DrawHeader(gfx, small, y);
        for (var i = 0; i < c.Persons.Count; i++)
        {
            if (y + RowHeight > PageHeight - Margin - 30)
            {
                DrawFooter(gfx, small, c, pageNumber);
                page = document.AddPage();
                page.Width = XUnit.FromPoint(PageWidth);
                page.Height = XUnit.FromPoint(PageHeight);
                gfx.Dispose();
                gfx = XGraphics.FromPdfPage(page);
                pageNumber++;
                y = DrawHeader(gfx, small, Margin);
            }
            var p = c.Persons[i];
            DrawRow(gfx, small, y,
            [
                (i + 1).ToString(CultureInfo.InvariantCulture), p.MaskedIdNumber, p.MaskedName, CategoryLabel(p), LevelLabel(p),
                p.QualifyingMonths.ToString(CultureInfo.InvariantCulture), p.PersonMonths.ToString(CultureInfo.InvariantCulture),
            ]);
            y += RowHeight;
        }
        if (c.Persons.Count == 0)
        {
            gfx.DrawRectangle(XPens.Gray, Margin, y, Columns.Sum(col => col.Width), RowHeight);
            gfx.DrawString("本年度无经确认的安置残疾人", small, XBrushes.Black, new XRect(Margin, y, Columns.Sum(col => col.Width), RowHeight), XStringFormats.Center);
            y += RowHeight;
        }
        y += 12;
        if (y + 80 > PageHeight - Margin - 30)
        {
            DrawFooter(gfx, small, c, pageNumber);
            page = document.AddPage();
            page.Width = XUnit.FromPoint(PageWidth);
            page.Height = XUnit.FromPoint(PageHeight);
            gfx.Dispose();
            gfx = XGraphics.FromPdfPage(page);
            pageNumber++;
            y = Margin;
        }
        y = DrawWrapped(gfx, "本单位已阅读并接受年审认证承诺书，承诺所提交的资料真实、合法、有效。", body, Margin, y, PageWidth - 2 * Margin, 17);
        y = DrawWrapped(gfx, $"本确认书可通过扫描二维码或访问 {c.VerifyUrl} 核验真伪；也可在核验页面输入核验码 {c.ShortCode}。",
            small, Margin, y + 4, PageWidth - 2 * Margin, 14);
        DrawFooter(gfx, small, c, pageNumber);
        gfx.Dispose();

        using var stream = new MemoryStream();
        document.Save(stream, false);
        return stream.ToArray();
    }

    private static double DrawHeader(XGraphics gfx, XFont font, double y)
    {
        DrawRow(gfx, font, y, Columns.Select(c => c.Title).ToArray(), header: true);
        return y + RowHeight;
    }

    private static void DrawRow(XGraphics gfx, XFont font, double y, string[] cells, bool header = false)
    {
        var x = Margin;
        for (var i = 0; i < Columns.Length; i++)
        {
            var rect = new XRect(x, y, Columns[i].Width, RowHeight);
            if (header) gfx.DrawRectangle(new XSolidBrush(XColor.FromArgb(228, 235, 245)), rect);
            gfx.DrawRectangle(XPens.Gray, rect);
            gfx.DrawString(cells[i], font, XBrushes.Black, rect, XStringFormats.Center);
            x += Columns[i].Width;
        }
    }

    private static void DrawFooter(XGraphics gfx, XFont font, CertificateContent c, int pageNumber) =>
        gfx.DrawString($"证书编号 {c.CertificateNumber}  ·  第 {pageNumber} 页", font, XBrushes.Gray,
            new XRect(Margin, PageHeight - Margin + 10, PageWidth - 2 * Margin, 12), XStringFormats.TopCenter);

    /// <summary>Draws text broken into lines that fit <paramref name="width"/> (CJK text has no spaces to break at); returns the next y.</summary>
    private static double DrawWrapped(XGraphics gfx, string text, XFont font, double x, double y, double width, double lineHeight)
    {
        var line = new System.Text.StringBuilder();
        foreach (var ch in text)
        {
            line.Append(ch);
            if (gfx.MeasureString(line.ToString(), font).Width > width && line.Length > 1)
            {
                line.Length--;
                gfx.DrawString(line.ToString(), font, XBrushes.Black, new XRect(x, y, width, lineHeight), XStringFormats.TopLeft);
                y += lineHeight;
                line.Clear().Append(ch);
            }
        }
        if (line.Length > 0)
        {
            gfx.DrawString(line.ToString(), font, XBrushes.Black, new XRect(x, y, width, lineHeight), XStringFormats.TopLeft);
            y += lineHeight;
        }
        return y;
    }

    /// <summary>The QR code as vector rectangles (one per dark module, quiet zone included).</summary>
    private static void DrawQrCode(XGraphics gfx, string text, double x, double y, double size)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var matrix = data.ModuleMatrix;
        var count = matrix.Count;
        var module = size / count;
        gfx.DrawRectangle(XBrushes.White, x, y, size, size);
        for (var row = 0; row < count; row++)
        {
            for (var col = 0; col < count; col++)
            {
                if (!matrix[row][col]) continue;
                // Merge horizontal runs into one rectangle: fewer drawing operations, no hairline gaps.
                var start = col;
                while (col + 1 < count && matrix[row][col + 1]) col++;
                gfx.DrawRectangle(XBrushes.Black, x + start * module, y + row * module, (col - start + 1) * module, module);
            }
        }
    }

    public static string CategoryLabel(CertifiedPersonLineDto p) => p.CertificateType == "veteran"
        ? "残疾军人"
        : p.Category switch
        {
            1 => "视力残疾", 2 => "听力残疾", 3 => "言语残疾", 4 => "肢体残疾", 5 => "智力残疾", 6 => "精神残疾", 7 => "多重残疾",
            _ => "—",
        };

    public static string LevelLabel(CertifiedPersonLineDto p) => p.Level is { } level
        ? p.CertificateType == "veteran" ? $"{level}级" : level switch { 1 => "一级", 2 => "二级", 3 => "三级", 4 => "四级", _ => $"{level}级" }
        : "—";
}
