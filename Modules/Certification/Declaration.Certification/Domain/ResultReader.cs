using System.Data.Common;
using Dapper;
using Declaration.BuildingBlocks.Data;
using Declaration.Certification.Contracts;
using Npgsql;

namespace Declaration.Certification.Domain;

/// <summary>What Certification holds of a placement: the engine's facts (no personal data but the blind index) and the lock.</summary>
internal sealed record PlacementRow
{
    public Guid Id { get; init; }
    public Guid UnitId { get; init; }
    public string CreditCode { get; init; } = null!;
    public int BusinessYear { get; init; }
    public bool Locked { get; init; }
}

/// <summary>Reads stored automatic results.</summary>
internal sealed class ResultReader(IDbSession db)
{
    public Task<PlacementRow?> PlacementAsync(Guid id, CancellationToken ct, bool forUpdate = false) =>
        db.QuerySingleOrDefaultAsync<PlacementRow>($"""
            SELECT p.id, p.unit_id AS UnitId, p.credit_code AS CreditCode, p.business_year AS BusinessYear, p.locked
            FROM certification.placement p WHERE p.id = @id{(forUpdate ? " FOR UPDATE" : string.Empty)}
            """, new { id }, ct);

    /// <summary>The results of <paramref name="ids"/> (in that order; a placement without a result is left out), in one statement.</summary>
    public async Task<IReadOnlyList<CertificationResultDto>> ResultsAsync(IReadOnlyList<Guid> ids, CancellationToken ct) =>
        Assemble(ids, await db.QueryAsync<ResultMonthRow>(ResultsSql, new { ids = ids.ToArray() }, ct));

    /// <summary>The same statement, to travel in another's round trip; <see cref="ReadResultsAsync"/> reads its rows.</summary>
    public static NpgsqlBatchCommand ResultsCommand(IReadOnlyList<Guid> ids) =>
        new(ResultsSql) { Parameters = { new NpgsqlParameter<Guid[]>("ids", [.. ids]) } };

    public static async Task<IReadOnlyList<CertificationResultDto>> ReadResultsAsync(DbDataReader reader, IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        var parse = reader.GetRowParser<ResultMonthRow>();
        var rows = new List<ResultMonthRow>();
        while (await reader.ReadAsync(ct)) rows.Add(parse(reader));
        return Assemble(ids, rows);
    }

    private const string ResultsSql = """
        SELECT p.id, p.unit_id AS UnitId, p.business_year AS BusinessYear, m.computed_at AS CertifiedAt, m.version,
               r.month, r.qualifies, r.weight, r.cover_weight AS CoverWeight, r.reasons, r.flags
        FROM certification.placement p
        JOIN certification.placement_months m ON m.placement_id = p.id
        JOIN certification.month_result r ON r.placement_id = p.id
        WHERE p.id = ANY(@ids) ORDER BY p.id, r.month
        """;

    private static List<CertificationResultDto> Assemble(IReadOnlyList<Guid> ids, IReadOnlyList<ResultMonthRow> all)
    {
        var rows = all.ToLookup(r => r.Id);
        var result = new List<CertificationResultDto>(ids.Count);
        foreach (var id in ids)
        {
            var months = rows[id].ToList();
            if (months.Count == 0) continue;
            var h = months[0];
            result.Add(new CertificationResultDto(h.Id, h.UnitId, h.BusinessYear,
                months.Select(m => new MonthResultDto(m.Month, m.Qualifies, m.Weight, m.CoverWeight, m.Reasons, m.Flags)).ToList(), h.CertifiedAt, h.Version));
        }
        return result;
    }

    public async Task<CertificationResultDto?> ResultAsync(Guid id, CancellationToken ct) => (await ResultsAsync([id], ct)).FirstOrDefault();

    private sealed record ResultMonthRow
    {
        public Guid Id { get; init; }
        public Guid UnitId { get; init; }
        public int BusinessYear { get; init; }
        public DateTimeOffset CertifiedAt { get; init; }
        public long Version { get; init; }
        public short Month { get; init; }
        public bool Qualifies { get; init; }
        public short Weight { get; init; }
        public short CoverWeight { get; init; }
        public string[] Reasons { get; init; } = null!;
        public string[] Flags { get; init; } = null!;
    }
}
