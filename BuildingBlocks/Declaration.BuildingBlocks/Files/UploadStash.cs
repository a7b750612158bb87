using System.Security.Cryptography;
using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.Options;

namespace Declaration.BuildingBlocks.Files;

/// <summary>
/// An upload kept between two requests (批量申报: preview, then confirm) in the database, so the second request may land on
/// any host. A staged upload belongs to one purpose, one scope (the unit) and one user, and expires
/// (<see cref="FileStorageOptions.StagedUploadLifetime"/>, 2 hours); expired ones are removed by every new stage and by the
/// hourly clean-up job.
/// </summary>
public interface IUploadStash
{
    /// <summary>Stores the upload and returns its token (random, unguessable).</summary>
    Task<string> StageAsync(string purpose, Guid scopeId, string ownerId, Stream content, string fileName, long maxBytes, CancellationToken ct);

    /// <summary>The staged upload's file name and bytes, or null when the token is unknown, expired, or another scope's or user's.</summary>
    Task<(string FileName, Stream Content)?> OpenAsync(string purpose, Guid scopeId, string ownerId, string token, CancellationToken ct);

    Task RemoveAsync(string token, CancellationToken ct);

    /// <summary>Removes expired uploads (and their files); returns how many.</summary>
    Task<int> PurgeExpiredAsync(CancellationToken ct);
}

internal sealed class UploadStash(IDbSession db, IFileStorage files, IOptions<FileStorageOptions> options, TimeProvider clock) : IUploadStash
{
    public async Task<string> StageAsync(string purpose, Guid scopeId, string ownerId, Stream content, string fileName, long maxBytes, CancellationToken ct)
    {
        await PurgeExpiredAsync(ct);
        return await db.InTransactionAsync(async () =>
        {
            var file = await files.SaveAsync(content, fileName, "application/octet-stream", maxBytes, ct);
            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
            var now = clock.GetUtcNow();
            await db.ExecuteAsync("""
                INSERT INTO platform.staged_upload (token, purpose, scope_id, owner_id, file_id, file_name, created_at, expires_at)
                VALUES (@token, @purpose, @scopeId, @ownerId, @fileId, @fileName, @now, @expires)
                """, new { token, purpose, scopeId, ownerId, fileId = file.Id, fileName = file.FileName, now, expires = now + options.Value.StagedUploadLifetime }, ct);
            return token;
        }, ct);
    }

    public async Task<(string FileName, Stream Content)?> OpenAsync(string purpose, Guid scopeId, string ownerId, string token, CancellationToken ct)
    {
        var staged = await db.QuerySingleOrDefaultAsync<Staged>("""
            SELECT file_id AS FileId, file_name AS FileName FROM platform.staged_upload
            WHERE token = @token AND purpose = @purpose AND scope_id = @scopeId AND owner_id = @ownerId AND expires_at > @now
            """, new { token, purpose, scopeId, ownerId, now = clock.GetUtcNow() }, ct);
        if (staged is null || await files.OpenAsync(staged.FileId, ct) is not { } opened) return null;
        return (staged.FileName, opened.Content);
    }

    public Task RemoveAsync(string token, CancellationToken ct) =>
        db.InTransactionAsync(async () =>
        {
            var fileId = await db.QuerySingleOrDefaultAsync<Guid?>("DELETE FROM platform.staged_upload WHERE token = @token RETURNING file_id", new { token }, ct);
            if (fileId is { } id) await files.DeleteAsync(id, ct);
            return true;
        }, ct);

    public Task<int> PurgeExpiredAsync(CancellationToken ct) =>
        db.InTransactionAsync(async () =>
        {
            var expired = await db.QueryAsync<Guid>("""
                DELETE FROM platform.staged_upload
                WHERE token IN (SELECT token FROM platform.staged_upload WHERE expires_at <= @now ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
                RETURNING file_id
                """, new { now = clock.GetUtcNow() }, ct);
            foreach (var id in expired) await files.DeleteAsync(id, ct);
            return expired.Count;
        }, ct);

    private sealed record Staged(Guid FileId, string FileName);
}
