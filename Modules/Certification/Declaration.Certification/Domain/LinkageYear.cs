namespace Declaration.Certification.Domain;

/// <summary>
/// <c>linkage_year</c>: the linkage data a year at a time (per person, year and payer: months of paid pension, months with a wage
/// and those wages in cents, w1..w12, 0 where there is none). An import refreshes the rows of every (person, payer, year) its file touches, from the base rows,
/// in the same transaction; the certification engine reads these rows instead of the monthly records.
/// </summary>
internal static class LinkageYear
{
    /// <summary>The keys of the file just imported (its staging table).</summary>
    private static string Keys(string table) => $"SELECT DISTINCT id_hash, payer_credit_code AS payer, date_part('year', month)::int AS year FROM {table}";

    public static string RefreshPensions(string table) => $"""
        INSERT INTO certification.linkage_year AS ly (id_hash, year, payer_credit_code, pension_paid)
        SELECT k.id_hash, k.year, k.payer, coalesce(bit_or(1 << (date_part('month', s.month)::int - 1)), 0)
        FROM ({Keys(table)}) k
        LEFT JOIN certification.social_insurance s
               ON s.id_hash = k.id_hash AND s.payer_credit_code = k.payer AND s.insurance_type = 'pension' AND s.paid
              AND s.month >= make_date(k.year, 1, 1) AND s.month < make_date(k.year + 1, 1, 1)
        GROUP BY k.id_hash, k.year, k.payer
        ON CONFLICT (id_hash, year, payer_credit_code) DO UPDATE SET pension_paid = EXCLUDED.pension_paid
        WHERE ly.pension_paid <> EXCLUDED.pension_paid
        """;

    public static string RefreshWages(string table) => $"""
        INSERT INTO certification.linkage_year AS ly (id_hash, year, payer_credit_code, wage_months, {MonthSql.Each(m => $"w{m}")})
        SELECT w.id_hash, w.year, w.payer, coalesce(bit_or(1 << (w.m - 1)), 0),
               {MonthSql.Each(m => $"coalesce(max(w.cents) FILTER (WHERE w.m = {m}), 0)")}
        FROM (
            SELECT k.id_hash, k.year, k.payer, date_part('month', x.month)::int AS m, (x.gross_wage * 100)::bigint AS cents
            FROM ({Keys(table)}) k
            JOIN certification.wage x ON x.id_hash = k.id_hash AND x.payer_credit_code = k.payer
                 AND x.month >= make_date(k.year, 1, 1) AND x.month < make_date(k.year + 1, 1, 1)
        ) w
        GROUP BY w.id_hash, w.year, w.payer
        ON CONFLICT (id_hash, year, payer_credit_code) DO UPDATE SET wage_months = EXCLUDED.wage_months, {MonthSql.Each(m => $"w{m} = EXCLUDED.w{m}")}
        WHERE (ly.wage_months, {MonthSql.Each(m => $"ly.w{m}")}) IS DISTINCT FROM (EXCLUDED.wage_months, {MonthSql.Each(m => $"EXCLUDED.w{m}")})
        """;
}
