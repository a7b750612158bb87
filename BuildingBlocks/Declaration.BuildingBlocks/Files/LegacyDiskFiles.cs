using System.Security.Cryptography;
using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Declaration.BuildingBlocks.Files;

/// <summary>
/// Files stored before the move into the database (<c>store = 'disk'</c>: bytes in <see cref="FileStorageOptions.Root"/> of the
/// host that received them). Each start copies every such file this host has into the configured store, one transaction a file,
/// checking its SHA-256, then removes it from the disk; a file asked for before that is copied on first access. A file this host
/// lacks stays 'disk' (another host that has it copies it; the guide says to run one host on the old data folder once).
/// </summary>
internal sealed class LegacyDiskFiles(IServiceScopeFactory scopes, IOptions<FileStorageOptions> options, ILogger<LegacyDiskFiles> logger)
{
    private string PathOf(Guid id) => Path.Combine(options.Value.Root, id.ToString("N"));

    /// <summary>Copies every legacy file found on this host's disk; returns how many were copied.</summary>
    public async Task<int> CopyAllAsync(CancellationToken ct)
    {
        IReadOnlyList<Guid> ids;
        await using (var scope = scopes.CreateAsyncScope())
            ids = await scope.ServiceProvider.GetRequiredService<IDbSession>()
                .QueryAsync<Guid>("SELECT id FROM platform.stored_file WHERE store = 'disk' ORDER BY stored_at", null, ct);
        var copied = 0;
        foreach (var id in ids)
            if (File.Exists(PathOf(id)) && await CopyInAsync(id, ct) is not null) copied++;
        if (ids.Count > 0)
            logger.LogInformation("Legacy stored files: {Copied} of {Total} copied from {Root} into the {Store} store", copied, ids.Count, options.Value.Root, options.Value.Store);
        return copied;
    }

    /// <summary>The store the file is in once copied (or already was), or null when this host cannot supply it.</summary>
    public async Task<string?> CopyInAsync(Guid id, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IDbSession>();
        var target = scope.ServiceProvider.GetServices<IBlobStore>()
            .First(s => string.Equals(s.Name, options.Value.Store, StringComparison.OrdinalIgnoreCase));
        var path = PathOf(id);
        string? copied;
        try
        {
            copied = await db.InTransactionAsync<string?>(async () =>
            {
                // The row lock serialises two hosts (or two requests) copying the same file.
                var row = await db.QuerySingleOrDefaultAsync<LegacyRow>(
                    "SELECT store, sha256 FROM platform.stored_file WHERE id = @id FOR UPDATE", new { id }, ct);
                if (row is not { } r) return null;
                if (r.Store != "disk") return r.Store;
                if (!File.Exists(path)) return null;
                await using var file = File.OpenRead(path);
                await using var measured = new MeasuringStream(file, long.MaxValue, Path.GetFileName(path));
                await target.WriteAsync(id, measured, ct);
                if (!string.Equals(measured.Sha256Hex(), r.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    logger.LogError("Legacy stored file {Id} at {Path} does not match its recorded SHA-256: not copied", id, path);
                    throw new CryptographicException($"stored file {id}: content does not match its SHA-256");
                }
                await db.ExecuteAsync("UPDATE platform.stored_file SET store = @store WHERE id = @id", new { id, store = target.Name }, ct);
                return target.Name;
            }, ct);
        }
        catch (CryptographicException)
        {
            return null;
        }
        if (copied is not null && File.Exists(path))
        {
            try { File.Delete(path); }
            catch (IOException ex) { logger.LogWarning(ex, "Legacy stored file {Path} copied but not removed", path); }
        }
        return copied;
    }

    private sealed record LegacyRow(string Store, string Sha256);
}
