using System.Security.Cryptography;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Microsoft.Extensions.Options;

namespace Declaration.BuildingBlocks.Files;

public sealed class FileStorageOptions
{
    public string Root { get; set; } = Path.Combine(AppContext.BaseDirectory, "files");
    public long MaxBytes { get; set; } = 10 * 1024 * 1024;
}

public sealed record StoredFile(Guid Id, string FileName, string ContentType, long SizeBytes, string Sha256);

/// <summary>Evidence files: type checked by content (PDF, JPG, PNG), size capped, stored by id in a local folder.</summary>
public interface IFileStorage
{
    Task<StoredFile> SaveEvidenceAsync(Stream content, string fileName, CancellationToken ct);
    Task<(StoredFile File, Stream Content)?> OpenAsync(Guid id, CancellationToken ct);
}

public static class FileContent
{
    /// <summary>The MIME type the bytes really are, or null when not PDF, JPEG or PNG.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("%PDF-"u8)) return "application/pdf";
        if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) return "image/jpeg";
        if (head.StartsWith(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A })) return "image/png";
        return null;
    }
}

internal sealed class LocalFileStorage(IOptions<FileStorageOptions> options, IDbSession db, TimeProvider clock) : IFileStorage
{
    public async Task<StoredFile> SaveEvidenceAsync(Stream content, string fileName, CancellationToken ct)
    {
        var max = options.Value.MaxBytes;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max) throw new InputException("file", $"文件“{fileName}”超过{max / 1024 / 1024}MB上限");
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) throw new InputException("file", $"文件“{fileName}”为空");
        var bytes = buffer.ToArray();
        var type = FileContent.Sniff(bytes.AsSpan(0, Math.Min(16, bytes.Length)))
            ?? throw new InputException("file", $"文件“{fileName}”不是PDF、JPG或PNG格式（按文件内容判断）");
        var file = new StoredFile(Guid.NewGuid(), Path.GetFileName(fileName), type, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Directory.CreateDirectory(options.Value.Root);
        await File.WriteAllBytesAsync(PathOf(file.Id), bytes, ct);
        await db.ExecuteAsync(
            "INSERT INTO platform.stored_file (id, file_name, content_type, size_bytes, sha256, stored_at) VALUES (@Id, @FileName, @ContentType, @SizeBytes, @Sha256, @at)",
            new { file.Id, file.FileName, file.ContentType, file.SizeBytes, file.Sha256, at = clock.GetUtcNow() }, ct);
        return file;
    }

    public async Task<(StoredFile File, Stream Content)?> OpenAsync(Guid id, CancellationToken ct)
    {
        var file = await db.QuerySingleOrDefaultAsync<StoredFile>(
            "SELECT id, file_name AS FileName, content_type AS ContentType, size_bytes AS SizeBytes, sha256 FROM platform.stored_file WHERE id = @id", new { id }, ct);
        if (file is null || !File.Exists(PathOf(id))) return null;
        return (file, File.OpenRead(PathOf(id)));
    }

    private string PathOf(Guid id) => Path.Combine(options.Value.Root, id.ToString("N"));
}
