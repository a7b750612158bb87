using System.Security.Cryptography;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Microsoft.Extensions.Options;

namespace Declaration.BuildingBlocks.Files;

/// <summary><c>Declaration:Files</c>.</summary>
public sealed class FileStorageOptions
{
    /// <summary>Where new files' bytes go: <c>Database</c> (default, PostgreSQL) or the name of another registered <see cref="IBlobStore"/> (e.g. <c>S3</c>).</summary>
    public string Store { get; set; } = DatabaseBlobStore.StoreName;

    /// <summary>The folder where files were kept before they moved into the database: read once, copied into <see cref="Store"/>.</summary>
    public string Root { get; set; } = Path.Combine(AppContext.BaseDirectory, "files");

    /// <summary>Largest evidence file (PDF, JPG, PNG).</summary>
    public long MaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Bytes per row of the database store: the most any write or read holds in memory at once.</summary>
    public int ChunkBytes { get; set; } = 1024 * 1024;

    /// <summary>How long an upload kept between two requests (批量申报 preview → confirm) lives.</summary>
    public TimeSpan StagedUploadLifetime { get; set; } = TimeSpan.FromHours(2);
}

public sealed record StoredFile(Guid Id, string FileName, string ContentType, long SizeBytes, string Sha256);

/// <summary>
/// Stored files (evidence, notice attachments, import files, staged uploads): name, type, size and SHA-256 in
/// <c>platform.stored_file</c>, the bytes in the configured <see cref="IBlobStore"/> (PostgreSQL by default), so any host
/// reads what any host stored. Writes join the caller's transaction (a rolled-back command leaves no file) or run in their own.
/// </summary>
public interface IFileStorage
{
    /// <summary>An evidence file: type checked by content (PDF, JPG, PNG), size capped by <see cref="FileStorageOptions.MaxBytes"/>.</summary>
    Task<StoredFile> SaveEvidenceAsync(Stream content, string fileName, CancellationToken ct);

    /// <summary>Any file (an import, a staged upload), streamed, refused past <paramref name="maxBytes"/>.</summary>
    Task<StoredFile> SaveAsync(Stream content, string fileName, string contentType, long maxBytes, CancellationToken ct);

    /// <summary>The file and a stream of its bytes (read as it is consumed; dispose it), or null when unknown.</summary>
    Task<(StoredFile File, Stream Content)?> OpenAsync(Guid id, CancellationToken ct);

    Task<bool> DeleteAsync(Guid id, CancellationToken ct);
}

/// <summary>
/// Where the bytes of stored files live; the seam for an object store. An implementation is registered as a scoped
/// <see cref="IBlobStore"/> and chosen by <c>Declaration:Files:Store</c> = its <see cref="Name"/> (configuration only).
/// The name is recorded with each file, so files written under an earlier setting stay readable.
/// </summary>
public interface IBlobStore
{
    string Name { get; }

    /// <summary>Consumes <paramref name="content"/> to its end and keeps it under <paramref name="id"/> (never buffering it whole).</summary>
    Task WriteAsync(Guid id, Stream content, CancellationToken ct);

    /// <summary>A forward-only stream of the bytes, or null when nothing is stored under <paramref name="id"/>.</summary>
    Task<Stream?> OpenReadAsync(Guid id, CancellationToken ct);

    Task DeleteAsync(Guid id, CancellationToken ct);
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

internal sealed class FileStore(IDbSession db, IEnumerable<IBlobStore> stores, IOptions<FileStorageOptions> options, LegacyDiskFiles legacy,
    TimeProvider clock) : IFileStorage
{
    private const string Legacy = "disk";

    public async Task<StoredFile> SaveEvidenceAsync(Stream content, string fileName, CancellationToken ct)
    {
        var name = Path.GetFileName(fileName);
        var head = new byte[16];
        var n = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        if (n == 0) throw new InputException("file", $"文件“{name}”为空");
        var type = FileContent.Sniff(head.AsSpan(0, n)) ?? throw new InputException("file", $"文件“{name}”不是PDF、JPG或PNG格式（按文件内容判断）");
        return await SaveCoreAsync(new PrefixedStream(head.AsMemory(0, n), content), name, type, options.Value.MaxBytes, ct);
    }

    public Task<StoredFile> SaveAsync(Stream content, string fileName, string contentType, long maxBytes, CancellationToken ct) =>
        SaveCoreAsync(content, Path.GetFileName(fileName), contentType, maxBytes, ct);

    private async Task<StoredFile> SaveCoreAsync(Stream content, string name, string type, long maxBytes, CancellationToken ct)
    {
        var store = Store(options.Value.Store);
        return await db.InTransactionAsync(async () =>
        {
            var id = Guid.NewGuid();
            await db.ExecuteAsync("""
                INSERT INTO platform.stored_file (id, file_name, content_type, size_bytes, sha256, stored_at, store)
                VALUES (@id, @name, @type, 0, '', @at, @store)
                """, new { id, name, type, at = clock.GetUtcNow(), store = store.Name }, ct);
            await using var measured = new MeasuringStream(content, maxBytes, name);
            await store.WriteAsync(id, measured, ct);
            if (measured.Bytes == 0) throw new InputException("file", $"文件“{name}”为空");
            var file = new StoredFile(id, name, type, measured.Bytes, measured.Sha256Hex());
            await db.ExecuteAsync("UPDATE platform.stored_file SET size_bytes = @SizeBytes, sha256 = @Sha256 WHERE id = @Id", file, ct);
            return file;
        }, ct);
    }

    public async Task<(StoredFile File, Stream Content)?> OpenAsync(Guid id, CancellationToken ct)
    {
        var row = await db.QuerySingleOrDefaultAsync<FileRow>(
            "SELECT id, file_name AS FileName, content_type AS ContentType, size_bytes AS SizeBytes, sha256, store FROM platform.stored_file WHERE id = @id",
            new { id }, ct);
        if (row is null) return null;
        var storeName = row.Store;
        if (storeName == Legacy)
        {
            // A file from before the move into the database: copied in from this host's disk on first access.
            if (await legacy.CopyInAsync(id, ct) is not { } copiedTo) return null;
            storeName = copiedTo;
        }
        var content = await Store(storeName).OpenReadAsync(id, ct);
        return content is null ? null : (new StoredFile(row.Id, row.FileName, row.ContentType, row.SizeBytes, row.Sha256), content);
    }

    public async Task<bool> DeleteAsync(Guid id, CancellationToken ct)
    {
        var storeName = await db.QuerySingleOrDefaultAsync<string>("SELECT store FROM platform.stored_file WHERE id = @id", new { id }, ct);
        if (storeName is null) return false;
        if (storeName != Legacy) await Store(storeName).DeleteAsync(id, ct);
        return await db.ExecuteAsync("DELETE FROM platform.stored_file WHERE id = @id", new { id }, ct) == 1;
    }

    private IBlobStore Store(string name) =>
        stores.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidOperationException($"Declaration:Files:Store “{name}”：没有这个名称的文件存储（可用：{string.Join("、", stores.Select(s => s.Name))}）");

    private sealed record FileRow(Guid Id, string FileName, string ContentType, long SizeBytes, string Sha256, string Store);
}

/// <summary>Passes bytes through, counting and hashing them, and refuses the file once it passes the limit.</summary>
internal sealed class MeasuringStream(Stream inner, long maxBytes, string fileName) : ReadOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long Bytes { get; private set; }

    public string Sha256Hex() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override int Read(byte[] buffer, int offset, int count) => Count(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        return Count(buffer.Span[..n]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(ReadOnlySpan<byte> data)
    {
        Bytes += data.Length;
        if (Bytes > maxBytes)
            throw new InputException("file", maxBytes >= 1024 * 1024
                ? $"文件“{fileName}”超过{maxBytes / 1024 / 1024}MB上限"
                : $"文件“{fileName}”超过{maxBytes}字节上限");
        _hash.AppendData(data);
        return data.Length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }

    public override long Position { get => Bytes; set => throw new NotSupportedException(); }
}

/// <summary>Bytes already read (the sniffed head) followed by the rest of the stream.</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : ReadOnlyStream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_prefix.IsEmpty) return rest.Read(buffer);
        var n = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..n].CopyTo(buffer);
        _prefix = _prefix[n..];
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_prefix.IsEmpty) return await rest.ReadAsync(buffer, cancellationToken);
        var n = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..n].CopyTo(buffer.Span);
        _prefix = _prefix[n..];
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

}
