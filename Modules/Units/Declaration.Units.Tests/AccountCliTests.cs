using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Testing;
using Declaration.Units.Contracts;
using static Declaration.Units.Tests.UnitsFixture;

namespace Declaration.Units.Tests;

/// <summary>The administrator's verbs <c>account …</c>, <c>api-key …</c> and <c>import accounts</c>, run as a process.</summary>
public sealed class AccountCliTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static AnonymousUser From => new("10.0.0.9");

    [Test]
    public async Task AccountVerbs_CreateBindDisableReset_AndPrintTheSecretsOnce()
    {
        await Seed.TwoUnitsAsync(App);
        var cs = App.Server.ConnectionString;
        var create = await CliRunner.RunAsync(cs, "account", "create", "cli-clerk", "--name", "命令行经办人", "--role", "employer", "--unit", Seed.UnitA);
        var temporary = create.StandardOutput.Trim();
        var first = await App.SendAsync(From, new SignIn("cli-clerk", temporary));
        var reviewer = await CliRunner.RunAsync(cs, "account", "create", "cli-reviewer", "--name", "命令行审核员", "--role", "reviewer", "--jurisdiction", "3302");
        var bad = await CliRunner.RunAsync(cs, "account", "create", "cli-bad", "--name", "x", "--role", "reviewer");
        var rebind = await CliRunner.RunAsync(cs, "account", "update", "cli-clerk", "--unit", Seed.UnitC);
        var disable = await CliRunner.RunAsync(cs, "account", "disable", "cli-clerk");
        var whileDisabled = await App.SendAsync(From, new SignIn("cli-clerk", temporary));
        await CliRunner.RunAsync(cs, "account", "enable", "cli-clerk");
        var reset = await CliRunner.RunAsync(cs, "account", "reset-password", "cli-clerk");
        var afterReset = await App.SendAsync(From, new SignIn("cli-clerk", reset.StandardOutput.Trim()));
        var key = await CliRunner.RunAsync(cs, "api-key", "create", "cli-clerk", "--name", "人事系统");
        var identity = await App.SendAsync(TestUsers.System, new AuthenticateApiKey(key.StandardOutput.Trim()));
        var list = await CliRunner.RunAsync(cs, "account", "list");
        var unitC = await App.SendAsync(TestUsers.System, new GetUnitByCreditCode(Seed.UnitC));
        Assert.Multiple(() =>
        {
            Assert.That(create.ExitCode, Is.Zero, create.StandardError);
            Assert.That(first.MustChangePassword, Is.True, "a temporary password must be changed");
            Assert.That(reviewer.ExitCode, Is.Zero, reviewer.StandardError);
            Assert.That(bad.ExitCode, Is.Not.Zero);
            Assert.That(bad.StandardError, Does.Contain("管辖区划前缀"));
            Assert.That(rebind.ExitCode, Is.Zero, rebind.StandardError);
            Assert.That(disable.ExitCode, Is.Zero, disable.StandardError);
            Assert.That(whileDisabled.Error, Does.Contain("停用"));
            Assert.That(afterReset.Account?.UnitId, Is.EqualTo(unitC!.Id), "bound to unit C now");
            Assert.That(identity?.Account.UserName, Is.EqualTo("cli-clerk"));
            Assert.That(list.StandardOutput, Does.Contain("cli-reviewer").And.Contain("3302"));
        });
    }

    [Test]
    public async Task ImportAccounts_FromAFile_BindsEmployersToTheirUnits()
    {
        await Seed.TwoUnitsAsync(App);
        var path = Path.Combine(Path.GetTempPath(), $"accounts-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(path, "\uFEFFuser_name,display_name,role,credit_code,jurisdiction\r\n" +
                                           $"unit-b,乙公司经办人,employer,{Seed.UnitB},\r\nnb-reviewer,宁波审核员,reviewer,,3302\r\n");
        var result = await CliRunner.RunAsync(App.Server.ConnectionString, "import", "accounts", path);
        var account = await App.SendAsync(TestUsers.System, new FindAccount("unit-b"));
        var b = await App.SendAsync(TestUsers.System, new GetUnitByCreditCode(Seed.UnitB));
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.StandardError);
            Assert.That(result.StandardOutput, Does.Contain("accounts: 2 rows, 2 inserted, 0 updated"));
            Assert.That(account?.UnitId, Is.EqualTo(b!.Id));
        });
    }
}
