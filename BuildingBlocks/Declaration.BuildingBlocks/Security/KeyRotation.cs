using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Declaration.BuildingBlocks.Security;

/// <summary>
/// Columns of one table holding personal-data ciphertexts (<see cref="IPersonalDataProtector.Encrypt"/>), declared by the
/// module that owns the table, in its registration: <c>services.AddEncryptedColumns("placement", "placement", "id_number_enc")</c>.
/// <c>rotate-keys</c> walks every declared table; nothing outside the module names its tables.
/// </summary>
public sealed record EncryptedColumns(string Schema, string Table, IReadOnlyList<string> Columns)
{
    public string QualifiedName => $"{Schema}.{Table}";
}

public static partial class EncryptedColumnsRegistration
{
    public static IServiceCollection AddEncryptedColumns(this IServiceCollection services, string schema, string table, params string[] columns)
    {
        if (columns.Length == 0) throw new ArgumentException("at least one column", nameof(columns));
        foreach (var name in columns.Append(schema).Append(table))
            if (!Identifier().IsMatch(name)) throw new ArgumentException($"not a plain SQL identifier: {name}", nameof(columns));
        return services.AddSingleton(new EncryptedColumns(schema, table, columns));
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]*$")]
    private static partial Regex Identifier();
}

public sealed record KeyRotationResult(string Table, long Scanned, long Rewritten, int Batches, int Passes, long Remaining, TimeSpan Elapsed);

/// <summary>
/// Re-encrypts with the current key every declared ciphertext written with another key (or before key ids), table by table:
/// it reads a window of heap pages at a time (a TID range scan, no lock) and writes the rows that need it in batches of at most
/// N rows, each batch one short statement: the system stays online, reads of old key ids keep working meanwhile, and new
/// writes already use the current key. A row is rewritten only if it still holds
/// the ciphertext that was read (compare-and-set), so a concurrent edit is never overwritten. Rows that an edit moved behind the
/// scan are caught by the next pass: passes repeat until a consistent snapshot of the table holds no old ciphertext.
/// </summary>
public sealed class KeyRotation(NpgsqlDataSource dataSource, IEnumerable<EncryptedColumns> tables, IPersonalDataProtector protector)
{
    private const int MaxPasses = 5;

    public IReadOnlyList<EncryptedColumns> Tables { get; } = tables.ToList();

    public async Task<IReadOnlyList<KeyRotationResult>> RunAsync(int batchRows, Action<string>? progress, CancellationToken ct)
    {
        var results = new List<KeyRotationResult>();
        foreach (var table in Tables)
        {
            var watch = Stopwatch.StartNew();
            long scanned = 0, rewritten = 0, remaining;
            int batches = 0, passes = 0;
            do
            {
                passes++;
                var pass = await PassAsync(table, batchRows, progress, ct);
                scanned += pass.Scanned;
                rewritten += pass.Rewritten;
                batches += pass.Batches;
                remaining = await CountOldAsync(table, ct);
            } while (remaining > 0 && passes < MaxPasses);
            var result = new KeyRotationResult(table.QualifiedName, scanned, rewritten, batches, passes, remaining, watch.Elapsed);
            progress?.Invoke($"{table.QualifiedName}: 扫描 {scanned} 行，重新加密 {rewritten} 行（{batches} 批，{passes} 遍），剩余旧密钥密文 {remaining} 行，用时 {watch.Elapsed.TotalSeconds:0.0} 秒");
            results.Add(result);
        }
        return results;
    }

    /// <summary>Rows of the table still holding a ciphertext of another key than the current one (one consistent snapshot).</summary>
    public async Task<long> CountOldAsync(EncryptedColumns table, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var command = new NpgsqlCommand($"SELECT {string.Join(", ", table.Columns)} FROM {table.QualifiedName}", connection, tx);
        await using var reader = await command.ExecuteReaderAsync(ct);
        long old = 0;
        while (await reader.ReadAsync(ct))
        {
            for (var c = 0; c < table.Columns.Count; c++)
            {
                if (!reader.IsDBNull(c) && !IsCurrent(reader.GetFieldValue<byte[]>(c)))
                {
                    old++;
                    break;
                }
            }
        }
        return old;
    }

    private bool IsCurrent(byte[] ciphertext) =>
        ciphertext.Length > 1 && ciphertext[0] == PersonalDataProtector.Marker && ciphertext[1] == protector.CurrentKeyId && protector.KeyIdOf(ciphertext) == protector.CurrentKeyId;

    private sealed record Pass(long Scanned, long Rewritten, int Batches);

    private async Task<Pass> PassAsync(EncryptedColumns table, int batchRows, Action<string>? progress, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        long blocks, rowsPerBlock;
        await using (var size = new NpgsqlCommand("""
            SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint,
                   CASE WHEN c.relpages > 0 AND c.reltuples > 0 THEN ceil(c.reltuples / c.relpages)::bigint ELSE 50 END
            FROM pg_class c WHERE c.oid = to_regclass(@t)
            """, connection))
        {
            size.Parameters.AddWithValue("t", table.QualifiedName);
            await using var reader = await size.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) throw new InvalidOperationException($"{table.QualifiedName} does not exist");
            blocks = reader.GetInt64(0);
            rowsPerBlock = Math.Max(1, reader.GetInt64(1));
        }
        var step = Math.Max(1, batchRows / rowsPerBlock);
        var columns = table.Columns;
        var select = $"""
            SELECT ctid::text, {string.Join(", ", columns)} FROM {table.QualifiedName}
            WHERE ctid >= format('(%s,0)', @from::bigint)::tid AND ctid < format('(%s,0)', @to::bigint)::tid
            """;
        // Each column keeps its value unless a new ciphertext is given; the row must still hold exactly what was read.
        var update = $"""
            UPDATE {table.QualifiedName} AS t SET {string.Join(", ", columns.Select((c, i) => $"{c} = coalesce(v.n{i}, t.{c})"))}
            FROM unnest(@ctids::tid[], {string.Join(", ", columns.Select((_, i) => $"@o{i}::bytea[], @n{i}::bytea[]"))})
                 AS v(ctid, {string.Join(", ", columns.Select((_, i) => $"o{i}, n{i}"))})
            WHERE t.ctid = v.ctid AND {string.Join(" AND ", columns.Select((c, i) => $"t.{c} IS NOT DISTINCT FROM v.o{i}"))}
            """;
        long scanned = 0, rewritten = 0;
        var batches = 0;
        for (long from = 0; from < blocks; from += step)
        {
            ct.ThrowIfCancellationRequested();
            // Read a window of heap pages (about one batch of rows; no lock), then write the rows that need it in batches of at
            // most batchRows, each batch one short transaction whose compare-and-set skips a row changed since it was read.
            var pending = new List<(string Ctid, byte[]?[] Old, byte[]?[] New)>();
            await using (var read = new NpgsqlCommand(select, connection))
            {
                read.Parameters.AddWithValue("from", from);
                read.Parameters.AddWithValue("to", from + step);
                await using var reader = await read.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    scanned++;
                    var values = new byte[]?[columns.Count];
                    var replaced = new byte[]?[columns.Count];
                    var any = false;
                    for (var c = 0; c < columns.Count; c++)
                    {
                        values[c] = reader.IsDBNull(c + 1) ? null : reader.GetFieldValue<byte[]>(c + 1);
                        if (values[c] is { } value && !IsCurrent(value))
                        {
                            replaced[c] = protector.Encrypt(protector.Decrypt(value));
                            any = true;
                        }
                    }
                    if (any) pending.Add((reader.GetString(0), values, replaced));
                }
            }
            foreach (var chunk in pending.Chunk(batchRows))
            {
                await using var write = new NpgsqlCommand(update, connection);
                write.Parameters.Add(new NpgsqlParameter("ctids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = chunk.Select(r => r.Ctid).ToArray() });
                for (var c = 0; c < columns.Count; c++)
                {
                    write.Parameters.Add(new NpgsqlParameter($"o{c}", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = chunk.Select(r => r.Old[c]).ToArray() });
                    write.Parameters.Add(new NpgsqlParameter($"n{c}", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = chunk.Select(r => r.New[c]).ToArray() });
                }
                rewritten += await write.ExecuteNonQueryAsync(ct);
                batches++;
                if (batches % 50 == 0) progress?.Invoke($"{table.QualifiedName}: 已重新加密 {rewritten} 行（第 {Math.Min(blocks, from + step)}/{blocks} 页）");
            }
        }
        return new Pass(scanned, rewritten, batches);
    }
}
