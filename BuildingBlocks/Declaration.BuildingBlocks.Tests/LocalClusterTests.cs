using Declaration.BuildingBlocks.Hosting;
using Npgsql;

namespace Declaration.BuildingBlocks.Tests;

/// <summary>
/// The embedded cluster wherever a user clones: as root, a clone in <c>/root</c> or a <c>mktemp -d</c> folder (mode
/// 0700) cannot be entered by the postgres OS user that initdb and pg_ctl run as.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalClusterTests
{
    [Test]
    public async Task Cluster_StartsForADataDirUnderAPrivateFolder_AndLeavesItsPermissionsAlone()
    {
        var privateDir = Path.Combine(Path.GetTempPath(), $"declaration-private-{Guid.NewGuid():N}");
        Directory.CreateDirectory(privateDir);
        File.SetUnixFileMode(privateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var requested = Path.Combine(privateDir, "data", "pg");
            string realDir;
            await using (var cluster = await LocalPostgresCluster.StartAsync(requested, LocalPostgresCluster.FreePort(), deleteOnDispose: false))
            {
                realDir = cluster.DataDir;
                Assert.That(await ScalarAsync(cluster, "postgres", "SELECT current_setting('data_directory')"), Is.EqualTo(realDir),
                    "the server runs on the folder the cluster reports");
                await cluster.EnsureDatabaseAsync("kept");
                Assert.That(File.GetUnixFileMode(privateDir), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute),
                    "the user's folder keeps mode 0700");
                if (Environment.IsPrivilegedProcess)
                {
                    Assert.That(realDir, Does.Not.StartWith(privateDir), "as root the cluster lives where the postgres user can reach it");
                    Assert.That(await File.ReadAllTextAsync(Path.Combine(requested, LocalPostgresCluster.LocationFile)), Does.StartWith(realDir));
                }
            }

            // Started again for the same folder (a second ./run), it finds the same cluster and its data.
            await using (var again = await LocalPostgresCluster.StartAsync(requested, LocalPostgresCluster.FreePort(), deleteOnDispose: true))
            {
                Assert.That(again.DataDir, Is.EqualTo(realDir));
                Assert.That(await ScalarAsync(again, "kept", "SELECT current_database()"), Is.EqualTo("kept"));
            }
            Assert.That(Directory.Exists(realDir), Is.False, "a throwaway cluster is removed with its folder");
        }
        finally
        {
            Directory.Delete(privateDir, recursive: true);
        }
    }

    private static async Task<string> ScalarAsync(LocalPostgresCluster cluster, string database, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
