using System.Security.Cryptography;
using System.Text;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Files;
using Microsoft.Extensions.DependencyInjection;
using static Declaration.StatelessTests.TwoInstances;

namespace Declaration.StatelessTests;

/// <summary>Stored files live in PostgreSQL: what one instance stores, another reads; big files stream in chunks; legacy disk files move in.</summary>
public sealed class StoredFileTests
{
    private const int ChunkBytes = 65536; // TwoInstances.Settings

    [SetUp]
    public Task ResetAsync() => A.ResetAsync();

    private static byte[] Pdf(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        return bytes;
    }

    [Test]
    public async Task EvidenceStoredThroughOneInstance_IsReadThroughAnother_ByteForByte()
    {
        var bytes = Pdf(ChunkBytes * 3 + 17);
        var stored = await InScopeAsync(A.Services, sp => sp.GetRequiredService<IFileStorage>().SaveEvidenceAsync(new MemoryStream(bytes), "../证明材料.pdf", CancellationToken.None));
        var (file, content) = await InScopeAsync(B, async sp =>
        {
            var opened = (await sp.GetRequiredService<IFileStorage>().OpenAsync(stored.Id, CancellationToken.None))!.Value;
            await using var stream = opened.Content;
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return (opened.File, copy.ToArray());
        });
        Assert.Multiple(() =>
        {
            Assert.That(content, Is.EqualTo(bytes));
            Assert.That(file.FileName, Is.EqualTo("证明材料.pdf"), "the path is dropped");
            Assert.That(file.ContentType, Is.EqualTo("application/pdf"));
            Assert.That(file.SizeBytes, Is.EqualTo(bytes.Length));
            Assert.That(file.Sha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(bytes))));
        });
        var chunks = await InScopeAsync(B, sp => sp.GetRequiredService<IDbSession>().QueryAsync<int>(
            "SELECT length(data) FROM platform.stored_file_chunk WHERE file_id = @id ORDER BY seq", new { id = stored.Id }, CancellationToken.None));
        Assert.That(chunks, Is.EqualTo(new[] { ChunkBytes, ChunkBytes, ChunkBytes, 17 }));
    }

    [Test]
    public async Task RefusedEvidence_AndARolledBackCommand_LeaveNoFileBehind()
    {
        await InScopeAsync(A.Services, async sp =>
        {
            var files = sp.GetRequiredService<IFileStorage>();
            var notPdf = await Assert.ThrowsAsync<InputException>(() => files.SaveEvidenceAsync(new MemoryStream("MZ\x90\0 not a document"u8.ToArray()), "a.exe", CancellationToken.None));
            var tooBig = await Assert.ThrowsAsync<InputException>(() => files.SaveEvidenceAsync(new MemoryStream(Pdf(10 * 1024 * 1024 + 1)), "big.pdf", CancellationToken.None));
            var empty = await Assert.ThrowsAsync<InputException>(() => files.SaveEvidenceAsync(new MemoryStream(), "empty.pdf", CancellationToken.None));
            Assert.That(Text(notPdf) + Text(tooBig) + Text(empty), Does.Contain("不是PDF、JPG或PNG格式").And.Contain("超过10MB上限").And.Contain("为空"));

            // A command that stored a file and then failed: the file goes with it.
            var db = sp.GetRequiredService<IDbSession>();
            await db.BeginAsync(CancellationToken.None);
            await files.SaveEvidenceAsync(new MemoryStream(Pdf(ChunkBytes * 2)), "b.pdf", CancellationToken.None);
            await db.RollbackAsync(CancellationToken.None);
            return true;
        });
        var left = await InScopeAsync(B, sp => sp.GetRequiredService<IDbSession>().QuerySingleAsync<long>(
            "SELECT (SELECT count(*) FROM platform.stored_file) + (SELECT count(*) FROM platform.stored_file_chunk)", null, CancellationToken.None));
        Assert.That(left, Is.Zero);
    }

    [Test]
    public async Task ALargeFile_IsWrittenAndReadAChunkAtATime()
    {
        const long size = 48L * 1024 * 1024 + 5;
        var expected = await HashAsync(new GeneratedStream(size));
        var stored = await InScopeAsync(A.Services, sp => sp.GetRequiredService<IFileStorage>()
            .SaveAsync(new GeneratedStream(size), "social-insurance.csv", "text/csv", 64L * 1024 * 1024, CancellationToken.None));

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var (hash, type) = await InScopeAsync(B, async sp =>
        {
            var opened = (await sp.GetRequiredService<IFileStorage>().OpenAsync(stored.Id, CancellationToken.None))!.Value;
            await using var stream = opened.Content;
            return (await HashAsync(stream), stream.GetType().Name);
        });
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        TestContext.Out.WriteLine($"read {size:N0} bytes streamed from the database; bytes allocated meanwhile: {allocated:N0}");
        var chunks = await InScopeAsync(B, sp => sp.GetRequiredService<IDbSession>().QuerySingleAsync<(long Count, int Max)>(
            "SELECT count(*), max(length(data)) FROM platform.stored_file_chunk WHERE file_id = @id", new { id = stored.Id }, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(hash, Is.EqualTo(expected));
            Assert.That(stored.Sha256, Is.EqualTo(expected));
            Assert.That(stored.SizeBytes, Is.EqualTo(size));
            Assert.That(chunks.Count, Is.EqualTo(size / ChunkBytes + 1));
            Assert.That(chunks.Max, Is.EqualTo(ChunkBytes));
            Assert.That(type, Is.Not.EqualTo(nameof(MemoryStream)), "the content is streamed, not loaded whole");
        });

        var tooBig = await Assert.ThrowsAsync<InputException>(() => InScopeAsync(A.Services, sp => sp.GetRequiredService<IFileStorage>()
            .SaveAsync(new GeneratedStream(size), "x.csv", "text/csv", 10L * 1024 * 1024, CancellationToken.None)));
        Assert.That(Text(tooBig), Does.Contain("超过10MB上限"));
    }

    [Test]
    public async Task AFileStoredOnDiskBeforeTheMove_IsCopiedIntoTheDatabaseOnFirstAccess_AndAtStart()
    {
        var root = Settings["Declaration:Files:Root"]!;
        Directory.CreateDirectory(root);
        var good = Pdf(ChunkBytes + 3);
        var first = await LegacyAsync(good, Convert.ToHexStringLower(SHA256.HashData(good)));
        var second = await LegacyAsync(good, Convert.ToHexStringLower(SHA256.HashData(good)));
        var corrupt = await LegacyAsync(Pdf(100), new string('0', 64));
        var missing = Guid.NewGuid();
        await InScopeAsync(A.Services, sp => sp.GetRequiredService<IDbSession>().ExecuteAsync("""
            INSERT INTO platform.stored_file (id, file_name, content_type, size_bytes, sha256, stored_at, store)
            VALUES (@missing, 'gone.pdf', 'application/pdf', 1, '', now(), 'disk')
            """, new { missing }, CancellationToken.None));

        // First access through instance B (the file is on this disk): copied in, then served from the database.
        var read = await InScopeAsync(B, async sp =>
        {
            var opened = (await sp.GetRequiredService<IFileStorage>().OpenAsync(first, CancellationToken.None))!.Value;
            await using var stream = opened.Content;
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        });
        // The start-up step copies the rest this host has.
        var copied = await B.PrepareFileStorageAsync(CancellationToken.None);
        var stores = await InScopeAsync(A.Services, sp => sp.GetRequiredService<IDbSession>().QueryAsync<(Guid Id, string Store)>(
            "SELECT id, store FROM platform.stored_file", null, CancellationToken.None));
        var unreadable = await InScopeAsync(A.Services, async sp => (await sp.GetRequiredService<IFileStorage>().OpenAsync(missing, CancellationToken.None)) is null);
        Assert.Multiple(() =>
        {
            Assert.That(read, Is.EqualTo(good));
            Assert.That(copied, Is.EqualTo(1), "the second good file; the corrupt one is refused");
            Assert.That(stores.ToDictionary(s => s.Id, s => s.Store), Is.EquivalentTo(new Dictionary<Guid, string>
            {
                [first] = "Database", [second] = "Database", [corrupt] = "disk", [missing] = "disk",
            }));
            Assert.That(File.Exists(Path.Combine(root, first.ToString("N"))), Is.False, "removed from the disk once in the database");
            Assert.That(File.Exists(Path.Combine(root, corrupt.ToString("N"))), Is.True, "a file that fails its hash stays where it is");
            Assert.That(unreadable, Is.True);
        });
    }

    private static string Text(InputException? ex) => string.Join("；", ex!.Errors.SelectMany(e => e.Value));

    private static async Task<Guid> LegacyAsync(byte[] bytes, string sha)
    {
        var id = Guid.NewGuid();
        await File.WriteAllBytesAsync(Path.Combine(Settings["Declaration:Files:Root"]!, id.ToString("N")), bytes);
        await InScopeAsync(A.Services, sp => sp.GetRequiredService<IDbSession>().ExecuteAsync("""
            INSERT INTO platform.stored_file (id, file_name, content_type, size_bytes, sha256, stored_at, store)
            VALUES (@id, 'old.pdf', 'application/pdf', @size, @sha, now(), 'disk')
            """, new { id, size = bytes.Length, sha }, CancellationToken.None));
        return id;
    }

    private static async Task<string> HashAsync(Stream stream)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0) hash.AppendData(buffer, 0, n);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>A large file that never exists in memory: deterministic bytes produced as they are read.</summary>
    private sealed class GeneratedStream(long length) : Stream
    {
        private long _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++) buffer[offset + i] = (byte)(((_position + i) * 31 + ((_position + i) >> 12)) & 0xFF);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
