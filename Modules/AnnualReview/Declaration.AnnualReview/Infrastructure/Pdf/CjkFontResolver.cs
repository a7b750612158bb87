using System.Buffers.Binary;
using PdfSharp.Fonts;

namespace Declaration.AnnualReview.Infrastructure.Pdf;

/// <summary>
/// PDFsharp has no font discovery on Linux and cannot read TrueType collections: this resolver copies face 0 (glyf
/// outlines, Latin and CJK) out of fonts-wqy-microhei's wqy-microhei.ttc at run time into a standalone TrueType font.
/// </summary>
internal sealed class CjkFontResolver : IFontResolver
{
    public const string FamilyName = "WenQuanYi Micro Hei";
    private const string FaceName = "wqy-microhei-0";

    public static readonly string[] CandidatePaths =
    [
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    ];

    private static readonly Lazy<byte[]> Face = new(LoadFace, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lock Gate = new();

    /// <summary>Installs this resolver as PDFsharp's global resolver once (PDFsharp allows setting it only once per process).</summary>
    public static void EnsureInstalled()
    {
        lock (Gate)
        {
            if (GlobalFontSettings.FontResolver is null) GlobalFontSettings.FontResolver = new CjkFontResolver();
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        // Every family resolves to the one CJK face: the certificate uses only it, and a missing glyph must never throw.
        new(FaceName, bold, italic);

    public byte[]? GetFont(string faceName) => faceName == FaceName ? Face.Value : null;

    private static byte[] LoadFace()
    {
        var path = CandidatePaths.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(
            "未找到中文字体 wqy-microhei.ttc（请安装 Debian 软件包 fonts-wqy-microhei：apt-get install fonts-wqy-microhei）");
        return ExtractFace(File.ReadAllBytes(path), 0);
    }

    /// <summary>Copies one face of a TrueType collection (or a plain .ttf) into a standalone font file.</summary>
    public static byte[] ExtractFace(byte[] collection, int index)
    {
        ReadOnlySpan<byte> data = collection;
        int offset;
        if (data[..4].SequenceEqual("ttcf"u8))
        {
            var count = BinaryPrimitives.ReadInt32BigEndian(data[8..]);
            if (index >= count) throw new InvalidOperationException($"The font collection has {count} faces, not {index + 1}.");
            offset = BinaryPrimitives.ReadInt32BigEndian(data[(12 + 4 * index)..]);
        }
        else offset = 0;
        var numTables = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 4)..]);
        var headerLength = 12 + 16 * numTables;
        var tables = new List<(uint Tag, uint Checksum, int Offset, int Length)>();
        for (var i = 0; i < numTables; i++)
        {
            var record = data[(offset + 12 + 16 * i)..];
            tables.Add((BinaryPrimitives.ReadUInt32BigEndian(record), BinaryPrimitives.ReadUInt32BigEndian(record[4..]),
                BinaryPrimitives.ReadInt32BigEndian(record[8..]), BinaryPrimitives.ReadInt32BigEndian(record[12..])));
        }
        var total = headerLength + tables.Sum(t => (t.Length + 3) & ~3);
        var output = new byte[total];
        data.Slice(offset, 12).CopyTo(output);
        var position = headerLength;
        for (var i = 0; i < tables.Count; i++)
        {
            var (tag, checksum, tableOffset, length) = tables[i];
            var record = output.AsSpan(12 + 16 * i);
            BinaryPrimitives.WriteUInt32BigEndian(record, tag);
            BinaryPrimitives.WriteUInt32BigEndian(record[4..], checksum);
            BinaryPrimitives.WriteInt32BigEndian(record[8..], position);
            BinaryPrimitives.WriteInt32BigEndian(record[12..], length);
            data.Slice(tableOffset, length).CopyTo(output.AsSpan(position));
            position += (length + 3) & ~3;
        }
        return output;
    }
}
