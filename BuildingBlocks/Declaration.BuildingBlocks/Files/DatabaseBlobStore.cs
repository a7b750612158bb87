using System.Data;
using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Declaration.BuildingBlocks.Files;

/// <summary>
/// File bytes in PostgreSQL: <c>platform.stored_file_chunk</c>, one row per <see cref="FileStorageOptions.ChunkBytes"/> (1 MiB) in
/// order. Chunked rows rather than large objects: they are ordinary rows (transactional with the command that stores the file,
/// deleted by cascade, in every pg_dump, replica and PITR, no <c>lo_unlink</c>/vacuumlo housekeeping, no large-object privileges),
/// a write holds one chunk in memory, and a read streams the rows of one query one at a time.
/// </summary>
internal sealed class DatabaseBlobStore(IDbSession db, NpgsqlDataSource dataSource, IOptions<FileStorageOptions> options) : IBlobStore
{
    public const string StoreName = "Database";

    public string Name => StoreName;

    /// <summary>Writes through the caller's session, so the chunks commit (or roll back) with the file's metadata and the command.</summary>
    public async Task WriteAsync(Guid id, Stream content, CancellationToken ct)
    {
        var size = Math.Max(4096, options.Value.ChunkBytes);
        var buffer = new byte[size];
        for (var seq = 0; ; seq++)
        {
            var n = await content.ReadAtLeastAsync(buffer, size, throwOnEndOfStream: false, ct);
            if (n == 0) return;
            await db.ExecuteAsync("INSERT INTO platform.stored_file_chunk (file_id, seq, data) VALUES (@id, @seq, @data)",
                new { id, seq, data = n == size ? buffer : buffer[..n] }, ct);
            if (n < size) return;
        }
    }

    /// <summary>
    /// Reads on a connection of its own (the caller's session stays free for its own commands while the stream is consumed,
    /// e.g. an import reading its file while it writes); the rows come one at a time (sequential access), never the whole file.
    /// </summary>
    public async Task<Stream?> OpenReadAsync(Guid id, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var command = new NpgsqlCommand("SELECT data FROM platform.stored_file_chunk WHERE file_id = @id ORDER BY seq", connection);
            command.Parameters.AddWithValue("id", id);
            var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
            return new ChunkStream(connection, command, reader);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public Task DeleteAsync(Guid id, CancellationToken ct) =>
        db.ExecuteAsync("DELETE FROM platform.stored_file_chunk WHERE file_id = @id", new { id }, ct);

    /// <summary>The chunk rows of one file as one forward-only stream; disposing it returns the connection.</summary>
    private sealed class ChunkStream(NpgsqlConnection connection, NpgsqlCommand command, NpgsqlDataReader reader) : ReadOnlyStream
    {
        private Stream? _chunk;
        private bool _done;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (!_done && buffer.Length > 0)
            {
                if (_chunk is null)
                {
                    if (!await reader.ReadAsync(cancellationToken)) { _done = true; break; }
                    _chunk = await reader.GetStreamAsync(0, cancellationToken);
                }
                var n = await _chunk.ReadAsync(buffer, cancellationToken);
                if (n > 0) return n;
                await _chunk.DisposeAsync();
                _chunk = null;
            }
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (!_done && buffer.Length > 0)
            {
                if (_chunk is null)
                {
                    if (!reader.Read()) { _done = true; break; }
                    _chunk = reader.GetStream(0);
                }
                var n = _chunk.Read(buffer);
                if (n > 0) return n;
                _chunk.Dispose();
                _chunk = null;
            }
            return 0;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask DisposeAsync()
        {
            if (_chunk is not null) await _chunk.DisposeAsync();
            await reader.DisposeAsync();
            await command.DisposeAsync();
            await connection.DisposeAsync();
            GC.SuppressFinalize(this);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _chunk?.Dispose();
                reader.Dispose();
                command.Dispose();
                connection.Dispose();
            }
            base.Dispose(disposing);
        }

    }
}
