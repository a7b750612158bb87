using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Declaration.BuildingBlocks.Security;
using Declaration.BuildingBlocks.Testing;
using Declaration.Host.Infrastructure;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Declaration.EndToEndTests;

/// <summary>
/// <c>rotate-keys</c> on a database of its own with the demo data written under key id 1 (and one ciphertext from before key
/// ids): a host given key 2 as current and key 1 as an old key reads everything and writes with key 2; the verb, a real child
/// process, re-encrypts every declared ciphertext in batches; afterwards every value opens to the same text and carries id 2.
/// </summary>
public sealed partial class KeyRotationTests
{
    private static readonly string Key1 = TestApp.TestSettings["Declaration:PersonalData:EncryptionKey"]!;
    private static readonly string Key2 = Convert.ToBase64String(Enumerable.Range(201, 32).Select(i => (byte)i).ToArray());

    private static readonly Dictionary<string, string?> RotatedKeys = new()
    {
        ["Declaration:PersonalData:EncryptionKey"] = Key2,
        ["Declaration:PersonalData:EncryptionKeyId"] = "2",
        ["Declaration:PersonalData:EncryptionKeys:1"] = Key1,
    };

    private static async Task<IHost> CoreHostAsync(string connectionString, IDictionary<string, string?>? settings = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(TestApp.TestSettings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Declaration:Files:Root"] = Path.Combine(Path.GetTempPath(), $"declaration-rotation-files-{Guid.NewGuid():N}"),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddDeclarationCore(builder.Configuration, connectionString);
        var host = builder.Build();
        await Startup.MigrateAsync(host.Services, CancellationToken.None);
        await host.StartAsync();
        return host;
    }

    /// <summary>Every declared ciphertext of the database, by table, row and column.</summary>
    private static async Task<Dictionary<string, byte[]>> CiphertextsAsync(string connectionString)
    {
        var all = new Dictionary<string, byte[]>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var (table, key, columns) in new[]
                 {
                     ("placement.placement", "id::text", new[] { "id_number_enc", "name_enc", "certificate_number_enc" }),
                     ("certification.certificate", "encode(id_hash, 'hex') || certificate_type || issued_on", new[] { "certificate_number_enc" }),
                 })
        {
            await using var command = new NpgsqlCommand($"SELECT {key}, {string.Join(", ", columns)} FROM {table}", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                for (var c = 0; c < columns.Length; c++)
                    all[$"{table}/{reader.GetString(0)}/{columns[c]}"] = reader.GetFieldValue<byte[]>(c + 1);
        }
        return all;
    }

    /// <summary>A ciphertext as written before key ids: nonce, tag, data under the key, no header.</summary>
    private static byte[] LegacyCiphertext(string base64Key, string plaintext)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var result = new byte[28 + data.Length];
        RandomNumberGenerator.Fill(result.AsSpan(0, 12));
        using var aes = new AesGcm(Convert.FromBase64String(base64Key), 16);
        aes.Encrypt(result.AsSpan(0, 12), data, result.AsSpan(28), result.AsSpan(12, 16));
        return result;
    }

    [Test]
    public async Task RotateKeys_ReencryptsInBatches_OldCiphertextsStayReadable_NewWritesUseTheNewKey()
    {
        await using var server = await PostgresServer.StartAsync("rotation");
        var cs = server.ConnectionString;

        // 1. The demo data, written under key id 1; one name as it was stored before key ids existed.
        using (var before = await CoreHostAsync(cs))
            await DemoData.SeedAsync(before.Services, null, CancellationToken.None);
        Guid legacyId;
        await using (var connection = new NpgsqlConnection(cs))
        {
            await connection.OpenAsync();
            await using var legacy = new NpgsqlCommand(
                "UPDATE placement.placement SET name_enc = @enc WHERE id = (SELECT min(id::text)::uuid FROM placement.placement WHERE credit_code = '91330106MA2CDE0A1M') RETURNING id", connection);
            legacy.Parameters.AddWithValue("enc", LegacyCiphertext(Key1, "旧格式姓名"));
            legacyId = (Guid)(await legacy.ExecuteScalarAsync())!;
        }
        var original = await CiphertextsAsync(cs);

        // 2. Hosts move to key 2 (key 1 kept readable): they read every old ciphertext, and what they write carries id 2.
        using var host = await CoreHostAsync(cs, RotatedKeys);
        var protector = host.Services.GetRequiredService<IPersonalDataProtector>();
        var plaintexts = original.ToDictionary(o => o.Key, o => protector.Decrypt(o.Value));
        var unitA = (await host.Services.AsUserAsync(TestUsers.System, sp => sp.GetRequiredService<ISender>().Send(new GetUnitByCreditCode("91330106MA2CDE0A1M")).AsTask()))!;
        var detail = await host.Services.AsUserAsync(TestUsers.Employer(unitA.Id), sp => sp.GetRequiredService<ISender>().Send(new GetPlacementDetail(legacyId)).AsTask());
        var written = await host.Services.AsUserAsync(TestUsers.Employer(unitA.Id), sp => sp.GetRequiredService<ISender>().Send(new DeclarePlacement(
            unitA.Id, 2025, "330102199003072516", "轮换后", "disability", "33010219900307251642", new DateOnly(2020, 1, 1), null, "open_ended",
            new DateOnly(2020, 1, 1), null, 5000m, false, null)).AsTask());
        var afterWrite = await CiphertextsAsync(cs);
        Assert.Multiple(() =>
        {
            Assert.That(original.Values.Select(protector.KeyIdOf).Distinct().Order(), Is.EqualTo(new[] { 0, 1 }), "ciphertexts from before key ids and of key 1");
            Assert.That(detail.NameShown, Is.EqualTo("旧格式姓名"), "a ciphertext from before key ids still reads");
            Assert.That(plaintexts.Values, Has.Some.EqualTo("330106198506120015"), "demo IdNumbers read under the new configuration");
            Assert.That(afterWrite[$"placement.placement/{written.PlacementId}/id_number_enc"][..2], Is.EqualTo(new byte[] { 0xD1, 2 }), "a new write uses key id 2");
        });

        // 3. The verb, as an operator runs it while the hosts serve: batches of 3 rows.
        var environment = RotatedKeys.ToDictionary(k => k.Key.Replace(":", "__", StringComparison.Ordinal), k => k.Value);
        var rotation = await CliRunner.RunAsync(cs, environment, "rotate-keys", "--batch-size", "3");
        Assert.That(rotation.ExitCode, Is.EqualTo(0), rotation.StandardError + rotation.StandardOutput);
        var line = PlacementLine().Match(rotation.StandardOutput);
        Assert.That(line.Success, Is.True, rotation.StandardOutput);
        var rewritten = int.Parse(line.Groups["rewritten"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var batches = int.Parse(line.Groups["batches"].Value, System.Globalization.CultureInfo.InvariantCulture);

        // 4. Everything carries id 2 and opens to the same text; the row written under key 2 was left as it was.
        var after = await CiphertextsAsync(cs);
        var placementOld = original.Count(o => o.Key.StartsWith("placement.placement/", StringComparison.Ordinal) && o.Value[..2] is not [0xD1, 2]);
        Assert.Multiple(() =>
        {
            Assert.That(after.Values.Select(protector.KeyIdOf).Distinct(), Is.EqualTo(new[] { 2 }));
            Assert.That(after.Where(a => plaintexts.ContainsKey(a.Key)).ToDictionary(a => a.Key, a => protector.Decrypt(a.Value)), Is.EqualTo(plaintexts));
            Assert.That(after[$"placement.placement/{written.PlacementId}/id_number_enc"], Is.EqualTo(afterWrite[$"placement.placement/{written.PlacementId}/id_number_enc"]));
            Assert.That(rewritten, Is.GreaterThan(0).And.LessThanOrEqualTo(placementOld));
            Assert.That(batches, Is.GreaterThan(1), "more than one batch");
            Assert.That(rotation.StandardOutput, Does.Contain("certification.certificate:").And.Contain("0 remaining"));
        });

        // 5. The old key is no longer needed: a host with key 2 alone reads the person written before key ids.
        using var only2 = await CoreHostAsync(cs, new Dictionary<string, string?>
        {
            ["Declaration:PersonalData:EncryptionKey"] = Key2,
            ["Declaration:PersonalData:EncryptionKeyId"] = "2",
        });
        var reread = await only2.Services.AsUserAsync(TestUsers.Employer(unitA.Id), sp => sp.GetRequiredService<ISender>().Send(new GetPlacementDetail(legacyId)).AsTask());
        Assert.That(reread.NameShown, Is.EqualTo("旧格式姓名"));
    }

    [GeneratedRegex(@"^placement\.placement: (?<scanned>\d+) scanned, (?<rewritten>\d+) re-encrypted in (?<batches>\d+) batches", RegexOptions.Multiline)]
    private static partial Regex PlacementLine();
}
