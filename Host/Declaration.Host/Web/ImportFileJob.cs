using System.Collections.Concurrent;
using System.Text.Json;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Errors;
using Declaration.Host.Cli;
using Mediator;

namespace Declaration.Host.Web;

/// <summary>What an import file did: accepted (counts) or rejected (line-numbered errors), as shown on the admin page.</summary>
public sealed record ImportOutcome(string Kind, string FileName, bool Accepted, long Rows, long Inserted, long Updated, string? Sha256,
    IReadOnlyList<string> Errors, long TotalErrors, IReadOnlyList<string> Warnings, string? Message);

/// <summary>Rows read so far by running imports of this process (the status page refreshes from it).</summary>
public sealed class ImportProgress
{
    private readonly ConcurrentDictionary<string, long> _lines = new();
    public void Set(string jobId, long lines) => _lines[jobId] = lines;
    public long? Get(string jobId) => _lines.TryGetValue(jobId, out var n) ? n : null;
    public void Remove(string jobId) => _lines.TryRemove(jobId, out _);
}

/// <summary>
/// Runs an uploaded import file in the background (Hangfire) as the admin who uploaded it, counting the lines read as it
/// streams; a rejected file is a normal outcome (its errors are returned, not retried). The file is deleted afterwards.
/// </summary>
public sealed class ImportFileJob(IServiceScopeFactory scopes, ImportProgress progress)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Hangfire.AutomaticRetry(Attempts = 0)]
    public async Task<string> RunAsync(string kind, string path, string fileName, string userId, string userName, Hangfire.Server.PerformContext? context)
    {
        var jobId = context?.BackgroundJob.Id ?? Path.GetFileNameWithoutExtension(path);
        var outcome = await RunCoreAsync(kind, path, fileName, new ExplicitUser(userId, userName, Role.Admin), jobId);
        return JsonSerializer.Serialize(outcome, Json);
    }

    public async Task<ImportOutcome> RunCoreAsync(string kind, string path, string fileName, ICurrentUser user, string jobId)
    {
        try
        {
            if (!CommandLine.ImportKinds.TryGetValue(kind, out var factory))
                return new ImportOutcome(kind, fileName, false, 0, 0, 0, null, [], 0, [], $"未知的导入类型“{kind}”");
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = user;
            await using var file = File.OpenRead(path);
            await using var counting = new LineCountingStream(file, n => progress.Set(jobId, n));
            try
            {
                var result = (ImportResult)(await scope.ServiceProvider.GetRequiredService<ISender>().Send((object)factory(counting)))!;
                return new ImportOutcome(kind, fileName, true, result.Rows, result.Inserted, result.Updated, result.Sha256, [], 0,
                    result.Warnings.Select(w => w.ToString()).ToList(), null);
            }
            catch (ImportRejectedException ex)
            {
                return new ImportOutcome(kind, fileName, false, 0, 0, 0, null, ex.Errors.Select(e => e.ToString()).ToList(), ex.Total, [], ex.Message);
            }
            catch (AppException ex)
            {
                return new ImportOutcome(kind, fileName, false, 0, 0, 0, null, [], 0, [], ex.Message);
            }
        }
        finally
        {
            progress.Remove(jobId);
            File.Delete(path);
        }
    }

    /// <summary>Counts the lines that pass through (the CSV reader's progress) without buffering.</summary>
    private sealed class LineCountingStream(Stream inner, Action<long> report) : Stream
    {
        private long _lines;
        private long _lastReport;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            Count(buffer.AsSpan(offset, n));
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            Count(buffer.Span[..n]);
            return n;
        }

        private void Count(ReadOnlySpan<byte> data)
        {
            _lines += data.Count((byte)'\n');
            if (_lines - _lastReport >= 10_000 || data.Length == 0) { _lastReport = _lines; report(Math.Max(0, _lines - 1)); }
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
