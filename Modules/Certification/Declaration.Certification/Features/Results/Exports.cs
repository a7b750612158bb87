using System.Globalization;
using System.Text;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Contracts;
using Declaration.Certification.Domain;
using Mediator;
using Npgsql;

namespace Declaration.Certification.Features.Results;

/// <summary>
/// <c>export certification-results</c> (FORMATS.md): 12 rows a placement, ordered by credit_code, id_number, month. Streamed from the
/// database unit by unit (IdNumbers are decrypted and sorted within one unit at a time).
/// </summary>
internal sealed class ExportCertificationResultsHandler(IDbSession db, ICurrentUser user, IPersonalDataProtector protector)
    : IQueryHandler<ExportCertificationResults, long>
{
    public const string Header = "credit_code,business_year,id_number,month,qualifies,weight,reasons,flags";

    public async ValueTask<long> Handle(ExportCertificationResults query, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员可以导出认证结果");
        var writer = new StreamWriter(query.Output, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        await writer.WriteLineAsync(Header);
        var connection = await db.ConnectionAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT p.credit_code, p.id_number_enc, r.month, r.qualifies, r.weight, r.reasons, r.flags
            FROM certification.placement p JOIN certification.month_result r ON r.placement_id = p.id
            WHERE p.business_year = @year
            ORDER BY p.credit_code, p.id, r.month
            """, connection, db.Transaction);
        command.Parameters.AddWithValue("year", query.BusinessYear);
        command.CommandTimeout = 0;
        long written = 0;
        var unitRows = new List<(string Id, short Month, bool Qualifies, short Weight, string[] Reasons, string[] Flags)>();
        string? unit = null;
        var lastEnc = Array.Empty<byte>();
        var lastId = string.Empty;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var credit = reader.GetString(0);
                if (unit is not null && credit != unit) written += await FlushAsync(writer, unit, query.BusinessYear, unitRows);
                unit = credit;
                var enc = (byte[])reader[1];
                if (!enc.AsSpan().SequenceEqual(lastEnc)) { lastEnc = enc; lastId = protector.Decrypt(enc); }
                unitRows.Add((lastId, reader.GetInt16(2), reader.GetBoolean(3), reader.GetInt16(4), (string[])reader[5], (string[])reader[6]));
            }
        }
        if (unit is not null) written += await FlushAsync(writer, unit, query.BusinessYear, unitRows);
        await writer.FlushAsync(ct);
        return written;
    }

    private static async Task<long> FlushAsync(StreamWriter writer, string unit, int year,
        List<(string Id, short Month, bool Qualifies, short Weight, string[] Reasons, string[] Flags)> rows)
    {
        rows.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id) is var c && c != 0 ? c : a.Month.CompareTo(b.Month));
        foreach (var r in rows)
            await writer.WriteLineAsync(string.Join(',', unit, year.ToString(CultureInfo.InvariantCulture), r.Id, r.Month.ToString(CultureInfo.InvariantCulture),
                r.Qualifies ? "1" : "0", r.Weight.ToString(CultureInfo.InvariantCulture),
                string.Join('|', r.Reasons.Order(StringComparer.Ordinal)), string.Join('|', r.Flags.Order(StringComparer.Ordinal))));
        var n = rows.Count;
        rows.Clear();
        return n;
    }
}

/// <summary><c>export certified-counts</c> (FORMATS.md): one row per unit with confirmed placements, after review decisions.</summary>
internal sealed class ExportCertifiedCountsHandler(IDbSession db, ICurrentUser user) : IQueryHandler<ExportCertifiedCounts, long>
{
    public const string Header = "credit_code,business_year,person_months,certified_count";

    public async ValueTask<long> Handle(ExportCertifiedCounts query, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员可以导出认证人数");
        var rows = await db.QueryAsync<CountRow>($"""
            SELECT p.credit_code AS CreditCode, coalesce(sum({ResultReader.FinalWeightSql}), 0)::bigint AS PersonMonths
            FROM certification.placement p
            JOIN certification.month_result r ON r.placement_id = p.id
            LEFT JOIN certification.month_decision d ON d.placement_id = r.placement_id AND d.month = r.month
            WHERE p.business_year = @BusinessYear AND p.state = 'Confirmed'
            GROUP BY p.credit_code ORDER BY p.credit_code
            """, new { query.BusinessYear }, ct);
        var writer = new StreamWriter(query.Output, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        await writer.WriteLineAsync(Header);
        foreach (var r in rows)
            await writer.WriteLineAsync(string.Join(',', r.CreditCode, query.BusinessYear.ToString(CultureInfo.InvariantCulture),
                r.PersonMonths.ToString(CultureInfo.InvariantCulture),
                Math.Round(r.PersonMonths / 12m, 2, MidpointRounding.AwayFromZero).ToString("0.00", CultureInfo.InvariantCulture)));
        await writer.FlushAsync(ct);
        return rows.Count;
    }

    private sealed record CountRow(string CreditCode, long PersonMonths);
}
