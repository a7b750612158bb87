using System.Globalization;
using System.Text;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Domain;
using Npgsql;
using NpgsqlTypes;

namespace Declaration.Benchmarks;

internal sealed record BenchUnit(Guid Id, string CreditCode, string Region, int? Agency, bool PayrollAgent);

internal readonly record struct BenchPlacement(int Unit, int Person, bool PaidByAgency, byte Gaps, DateOnly EmploymentStart, DateOnly? EmploymentEnd,
    string ContractType, DateOnly? ContractEnd, int Wage, bool Base50);

/// <summary>
/// Realistic synthetic data: units in Zhejiang counties (2% labour-dispatch agencies related to 10% of units, 5% with a
/// payroll agent for the second half-year), persons with certificates (3% none, 5% expiring mid-year, 2% veterans), 12 months
/// of pension with gaps (5%), wages (5% below the minimum), contracts (5% too short), cross-unit duplicates (host + agency).
/// </summary>
internal sealed class Generator
{
    private static readonly string[] Regions = ["330102", "330106", "330108", "330110", "330203", "330212", "330302", "330402", "330502", "330602",
        "330702", "330802", "330902", "331002", "331102"];
    private const string Charset = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly int[] CreditWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    private static readonly int[] IdWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    public List<BenchUnit> Units { get; } = [];
    public List<BenchPlacement> Placements { get; } = [];
    public List<string> Persons { get; } = [];
    private readonly Random _random = new(20250101);

    /// <summary>Units <c>[LargeFrom, LargeFrom + largeUnits)</c> have exactly <c>largeSize</c> placements each (no agency); the last
    /// <c>reserveUnits</c> units have none (the load benchmark declares into them) but <c>poolPerReserve</c> insured persons each,
    /// with linkage data paid by that unit and no placement. <paramref name="units"/>: the unit count (default scale / 20). With the defaults the data is the certification benchmark's.</summary>
    public Generator(int scale, int? units = null, int largeUnits = 0, int largeSize = 200, int reserveUnits = 0, int poolPerReserve = 0)
    {
        var unitCount = units ?? Math.Max(20, scale / 20);
        var agencies = Math.Max(1, unitCount / 50);
        LargeFrom = agencies;
        LargeCount = largeUnits;
        ReserveFrom = unitCount - reserveUnits;
        for (var i = 0; i < unitCount; i++)
        {
            var region = Regions[i % Regions.Length];
            int? agency = i >= agencies && _random.NextDouble() < 0.10 ? _random.Next(agencies) : null;
            if (IsLarge(i) || i >= ReserveFrom) agency = null;
            Units.Add(new BenchUnit(Guid.CreateVersion7(), CreditCode(region, i), region, agency, _random.NextDouble() < 0.05));
        }
        for (var l = 0; l < largeUnits; l++)
            for (var k = 0; k < largeSize && Placements.Count < scale; k++)
            {
                Persons.Add(IdNumber(Persons.Count));
                Placements.Add(NewPlacement(LargeFrom + l, Persons.Count - 1, false));
            }
        var first = agencies + largeUnits;
        var regular = ReserveFrom - first;
        while (Placements.Count < scale)
        {
            var unit = first + _random.Next(regular);
            var person = Persons.Count;
            Persons.Add(IdNumber(person));
            var u = Units[unit];
            var viaAgency = u.Agency is not null && _random.NextDouble() < 0.3;
            var placement = NewPlacement(unit, person, viaAgency);
            Placements.Add(placement);
            // Cross-unit duplicates: the agency declares the dispatched worker too (1 in 3 dispatched workers).
            if (viaAgency && Placements.Count < scale && _random.NextDouble() < 0.33)
                Placements.Add(NewPlacement(u.Agency!.Value, person, false) with { PaidByAgency = true, Gaps = placement.Gaps });
        }
        for (var r = ReserveFrom; r < unitCount; r++)
            for (var k = 0; k < poolPerReserve; k++)
            {
                Persons.Add(IdNumber(Persons.Count));
                Pool.Add(NewPlacement(r, Persons.Count - 1, false));
            }
    }

    public int LargeFrom { get; }
    public int LargeCount { get; }
    public int ReserveFrom { get; }

    /// <summary>Insured persons of the reserved units: linkage data, no placement (the load benchmark declares them).</summary>
    public List<BenchPlacement> Pool { get; } = [];

    public bool IsLarge(int unit) => unit >= LargeFrom && unit < LargeFrom + LargeCount;

    public static string IdNumberOf(int person) => IdNumber(person);

    private BenchPlacement NewPlacement(int unit, int person, bool viaAgency)
    {
        var start = new DateOnly(2015, 1, 1).AddDays(_random.Next(3800));
        DateOnly? end = _random.NextDouble() < 0.05 ? new DateOnly(2025, 1, 1).AddDays(_random.Next(360)) : null;
        if (end < start) end = null;
        var fixedContract = _random.NextDouble() < 0.4;
        DateOnly? contractEnd = fixedContract ? (_random.NextDouble() < 0.12 ? new DateOnly(2015, 6, 30) : new DateOnly(2027, 12, 31)) : null;
        var gaps = (byte)(_random.NextDouble() < 0.05 ? 1 + _random.Next(12) : 0);
        return new BenchPlacement(unit, person, viaAgency, gaps, start, end, fixedContract ? "fixed" : "open_ended", contractEnd,
            _random.NextDouble() < 0.05 ? 2000 : 3000 + _random.Next(5000), _random.NextDouble() < 0.03);
    }

    private static string CreditCode(string region, int i)
    {
        var body = "91" + region + "MA" + i.ToString("D7", CultureInfo.InvariantCulture);
        var sum = 0;
        for (var k = 0; k < 17; k++) sum += Charset.IndexOf(body[k], StringComparison.Ordinal) * CreditWeights[k];
        var c = 31 - sum % 31;
        return body + Charset[c == 31 ? 0 : c];
    }

    private static string IdNumber(int person)
    {
        // Births spread over 1962–2003; (region, birth, sequence) is unique per person.
        var rest = person / 15000;
        var region = Regions[rest / 1000 % Regions.Length];
        var birth = new DateOnly(1962, 1, 1).AddDays(person % 15000);
        var body = region + birth.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + (rest % 1000).ToString("D3", CultureInfo.InvariantCulture);
        var sum = 0;
        for (var k = 0; k < 17; k++) sum += (body[k] - '0') * IdWeights[k];
        return body + "10X98765432"[sum % 11];
    }

    /// <summary>The linkage files of FORMATS.md, streamed to disk; returns (kind, path) in import order.</summary>
    public List<(string Kind, string Path)> WriteFiles(string dir)
    {
        var files = new List<(string, string)>();
        string Write(string name, string header, Action<StreamWriter> rows)
        {
            var path = Path.Combine(dir, name);
            using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
            w.WriteLine(header);
            rows(w);
            return path;
        }
        files.Add(("minimum-wages", Write("minimum-wages.csv", "region_code,effective_from,monthly_minimum", w =>
        {
            w.WriteLine("330000,2024-01-01,2280");
            foreach (var city in Regions.Select(r => r[..4] + "00").Distinct()) w.WriteLine($"{city},2025-01-01,2490");
            w.WriteLine("330106,2025-07-01,2590");
            w.WriteLine("330212,2025-07-01,2590");
        })));
        var rnd = new Random(7);
        _certificates = new (byte, byte, byte)[Persons.Count];
        files.Add(("certificates", Write("certificates.csv", "id_number,name,certificate_type,certificate_number,category,level,issued_on,valid_until,revoked_on", w =>
        {
            for (var p = 0; p < Persons.Count; p++)
            {
                var roll = rnd.NextDouble();
                if (roll < 0.03) continue;
                var id = Persons[p];
                if (roll < 0.05)
                {
                    var veteranLevel = 1 + rnd.Next(6);
                    _certificates[p] = (2, 0, (byte)veteranLevel);
                    w.WriteLine($"{id},某人,veteran,JUN{p:D9},,{veteranLevel},2012-01-01,,");
                    continue;
                }
                var category = 1 + rnd.Next(7);
                var level = 1 + rnd.Next(4);
                _certificates[p] = (1, (byte)category, (byte)level);
                var until = roll < 0.10 ? "2025-06-30" : "";
                w.WriteLine($"{id},某人,disability,{id}{category}{level},{category},{level},2014-03-01,{until},");
            }
        })));
        // Social insurance and wages: one pension row (and one wage row) per person-month, paid by the unit or its agency, with gaps.
        var byPerson = new Dictionary<int, BenchPlacement>(Placements.Count + Pool.Count);
        foreach (var pl in Placements.Concat(Pool)) byPerson.TryAdd(pl.Person, pl);
        files.Add(("social-insurance", Write("social-insurance.csv", "id_number,payer_credit_code,month,insurance_type,paid", w =>
        {
            foreach (var (person, pl) in byPerson)
            {
                var payer = Payer(pl);
                for (var m = 1; m <= 12; m++)
                    if (m != pl.Gaps) w.WriteLine($"{Persons[person]},{payer},2025-{m:D2},pension,1");
            }
        })));
        files.Add(("wages", Write("wages.csv", "id_number,payer_credit_code,month,gross_wage", w =>
        {
            foreach (var (person, pl) in byPerson)
            {
                var payer = Payer(pl);
                for (var m = 1; m <= 12; m++)
                    if (m != pl.Gaps) w.WriteLine($"{Persons[person]},{payer},2025-{m:D2},{pl.Wage}.00");
            }
        })));
        return files;
    }

    private (byte Type, byte Category, byte Level)[] _certificates = [];

    /// <summary>The contract start of every generated placement.</summary>
    public static readonly DateOnly ContractStart = new(2015, 1, 1);

    /// <summary>
    /// What a unit declares as the person's certificate (after <see cref="WriteFiles"/>): the registry's number; a person missing from
    /// the registry declares a disability certificate of category 4, level 4 all the same (the engine then finds none).
    /// </summary>
    public (string Type, string Number) DeclaredCertificate(int person) => _certificates[person] switch
    {
        (2, _, _) => ("veteran", $"JUN{person:D9}"),
        (1, var c, var l) => ("disability", $"{Persons[person]}{c}{l}"),
        _ => ("disability", Persons[person] + "44"),
    };

    /// <summary>The ids of <see cref="Placements"/> (in order), as <see cref="LoadUnitsAndPlacementsAsync"/> stored them.</summary>
    public Guid[] PlacementIds { get; private set; } = [];

    /// <summary>
    /// Every file of a placements import, as an administrator would load them through <c>./declaration import</c>: units, related units,
    /// the linkage files, and the <c>placements</c> file itself (FORMATS.md columns). Returns (kind, path) in import order.
    /// </summary>
    public List<(string Kind, string Path)> WriteImportFiles(string dir)
    {
        var files = new List<(string, string)>();
        string Write(string name, string header, Action<StreamWriter> rows)
        {
            var path = Path.Combine(dir, name);
            using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
            w.WriteLine(header);
            rows(w);
            return path;
        }
        files.Add(("units", Write("units.csv", "credit_code,name,unit_type,region_code,federation_code,tax_authority_code,legal_representative,legal_phone,contact_name,contact_mobile", w =>
        {
            foreach (var u in Units)
                w.WriteLine($"{u.CreditCode},单位{u.CreditCode[^7..]},enterprise,{u.Region},{u.Region},T{u.Region},法人,0571-87001234,经办人,13800571234");
        })));
        files.Add(("related-units", Write("related-units.csv", "credit_code,related_credit_code,related_name,relation_type,valid_from,valid_to", w =>
        {
            for (var i = 0; i < Units.Count; i++)
            {
                var u = Units[i];
                if (u.Agency is { } a) w.WriteLine($"{u.CreditCode},{Units[a].CreditCode},派遣机构,labor_dispatch,2024-01-01,");
                var agent = Units[(i + 1) % Units.Count];
                if (u.PayrollAgent && agent.CreditCode != u.CreditCode) w.WriteLine($"{u.CreditCode},{agent.CreditCode},代发机构,payroll_agent,2025-07-01,2025-12-31");
            }
        })));
        files.AddRange(WriteFiles(dir));
        var certificates = new Dictionary<string, string>();
        foreach (var line in File.ReadLines(Path.Combine(dir, "certificates.csv")).Skip(1))
        {
            var cells = line.Split(',');
            certificates[cells[0]] = cells[2] + "," + cells[3];
        }
        files.Add(("placements", Write("placements.csv", "credit_code,business_year,id_number,name,certificate_type,certificate_number,employment_start,employment_end,contract_type,contract_start,contract_end,monthly_wage,retirement_base,phone", w =>
        {
            foreach (var p in Placements)
            {
                var id = Persons[p.Person];
                var certificate = certificates.GetValueOrDefault(id, $"disability,{id}42");
                var base50 = p.Base50 && !Identifiers.IsMale(id) ? "50" : "";
                w.WriteLine(string.Join(',', Units[p.Unit].CreditCode, "2025", id, "某人", certificate, p.EmploymentStart.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    p.EmploymentEnd?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), p.ContractType, "2015-01-01",
                    p.ContractEnd?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), p.Wage.ToString(CultureInfo.InvariantCulture), base50, ""));
            }
        })));
        return files;
    }

    private string Payer(BenchPlacement pl) => pl.PaidByAgency && Units[pl.Unit].Agency is { } a ? Units[a].CreditCode : Units[pl.Unit].CreditCode;

    /// <summary>The unit projection, related units and placement facts (as CertifyPlacement would store them), by COPY.</summary>
    public async Task LoadUnitsAndPlacementsAsync(string connectionString, IPersonalDataProtector protector, bool projections = true)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        PlacementIds = Placements.Select(_ => Guid.CreateVersion7()).ToArray();
        if (projections) await LoadUnitProjectionAsync(c);
        await using (var w = await c.BeginBinaryImportAsync("""
            COPY certification.placement (id, unit_id, credit_code, business_year, id_hash, employment_start, employment_end, contract_type, contract_start,
                contract_end, contract_ok, monthly_wage, retirement_base50, age16_month, retirement_month, locked, updated_at) FROM STDIN (FORMAT BINARY)
            """))
        {
            var now = DateTimeOffset.UtcNow;
            for (var k = 0; k < Placements.Count; k++)
            {
                var p = Placements[k];
                var id = Persons[p.Person];
                var unit = Units[p.Unit];
                var contractStart = ContractStart;
                await w.StartRowAsync();
                await w.WriteAsync(PlacementIds[k], NpgsqlDbType.Uuid);
                await w.WriteAsync(unit.Id, NpgsqlDbType.Uuid);
                await w.WriteAsync(unit.CreditCode, NpgsqlDbType.Text);
                await w.WriteAsync(2025, NpgsqlDbType.Integer);
                await w.WriteAsync(protector.BlindIndex(id), NpgsqlDbType.Bytea);
                await w.WriteAsync(p.EmploymentStart, NpgsqlDbType.Date);
                if (p.EmploymentEnd is { } e) await w.WriteAsync(e, NpgsqlDbType.Date); else await w.WriteNullAsync();
                await w.WriteAsync(p.ContractType, NpgsqlDbType.Text);
                await w.WriteAsync(contractStart, NpgsqlDbType.Date);
                if (p.ContractEnd is { } ce) await w.WriteAsync(ce, NpgsqlDbType.Date); else await w.WriteNullAsync();
                await w.WriteAsync(WorkingAge.ContractLongEnough(p.ContractType, contractStart, p.ContractEnd), NpgsqlDbType.Boolean);
                await w.WriteAsync((decimal)p.Wage, NpgsqlDbType.Numeric);
                var base50 = p.Base50 && !Identifiers.IsMale(id);
                await w.WriteAsync(base50, NpgsqlDbType.Boolean);
                await w.WriteAsync(WorkingAge.Age16Month(Identifiers.BirthDate(id)), NpgsqlDbType.Date);
                await w.WriteAsync(WorkingAge.RetirementMonth(id, base50), NpgsqlDbType.Date);
                await w.WriteAsync(false, NpgsqlDbType.Boolean);
                await w.WriteAsync(now, NpgsqlDbType.TimestampTz);
            }
            await w.CompleteAsync();
        }
    }

    /// <summary>Certification's projection of the units and their related units (what UnitProfileChanged / RelatedUnitsChanged leave).</summary>
    private async Task LoadUnitProjectionAsync(NpgsqlConnection c)
    {
        await using (var w = await c.BeginBinaryImportAsync("COPY certification.unit (id, credit_code, name, region_code, federation_code, updated_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var u in Units)
            {
                await w.StartRowAsync();
                await w.WriteAsync(u.Id, NpgsqlDbType.Uuid);
                await w.WriteAsync(u.CreditCode, NpgsqlDbType.Text);
                await w.WriteAsync("单位" + u.CreditCode[^6..], NpgsqlDbType.Text);
                await w.WriteAsync(u.Region, NpgsqlDbType.Text);
                await w.WriteAsync(u.Region, NpgsqlDbType.Text);
                await w.WriteAsync(DateTimeOffset.UtcNow, NpgsqlDbType.TimestampTz);
            }
            await w.CompleteAsync();
        }
        await using (var w = await c.BeginBinaryImportAsync("COPY certification.related_unit (unit_id, related_credit_code, relation_type, valid_from, valid_to) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < Units.Count; i++)
            {
                var u = Units[i];
                if (u.Agency is { } a)
                {
                    await w.StartRowAsync();
                    await w.WriteAsync(u.Id, NpgsqlDbType.Uuid);
                    await w.WriteAsync(Units[a].CreditCode, NpgsqlDbType.Text);
                    await w.WriteAsync("labor_dispatch", NpgsqlDbType.Text);
                    await w.WriteAsync(new DateOnly(2024, 1, 1), NpgsqlDbType.Date);
                    await w.WriteNullAsync();
                }
                if (u.PayrollAgent)
                {
                    await w.StartRowAsync();
                    await w.WriteAsync(u.Id, NpgsqlDbType.Uuid);
                    await w.WriteAsync(Units[(i + 1) % Units.Count].CreditCode, NpgsqlDbType.Text);
                    await w.WriteAsync("payroll_agent", NpgsqlDbType.Text);
                    await w.WriteAsync(new DateOnly(2025, 7, 1), NpgsqlDbType.Date);
                    await w.WriteAsync(new DateOnly(2025, 12, 31), NpgsqlDbType.Date);
                }
            }
            await w.CompleteAsync();
        }
    }
}
