using System.Globalization;
using Declaration.BuildingBlocks.Application;
using Declaration.Units.Contracts;

namespace Declaration.Host.Cli;

/// <summary>
/// <c>account list|create|update|disable|enable|reset-password|bind-sso|unbind-sso</c>, <c>api-key create|revoke</c> and the
/// <c>accounts</c> import kind: the administrator's account work from the command line (as the system; every change audited).
/// Temporary passwords and API keys are printed once on standard output.
/// </summary>
internal static class AccountVerbs
{
    private static readonly Dictionary<string, Role> Roles = new(StringComparer.Ordinal)
    {
        ["employer"] = Role.Employer, ["reviewer"] = Role.Reviewer, ["admin"] = Role.Admin,
    };

    public static void Register()
    {
        CommandLine.ImportKinds["accounts"] = s => new ImportAccounts(s);
        CommandLine.Register("account", AccountAsync);
        CommandLine.Register("api-key", ApiKeyAsync);
    }

    private const string AccountUsage = """
        用法：
          account list [--search <关键字>]
          account create <user> --name <姓名或名称> --role employer|reviewer|admin [--unit <统一社会信用代码>] [--jurisdiction <区划前缀>]
          account update <user> [--name <姓名或名称>] [--role employer|reviewer|admin] [--unit <统一社会信用代码>] [--jurisdiction <区划前缀>]
          account disable <user> | account enable <user> | account reset-password <user>
          account bind-sso <user> --subject <sub> [--issuer <iss>] | account unbind-sso <user> --subject <sub> [--issuer <iss>]
        """;

    private static async Task<int> AccountAsync(CliContext context)
    {
        var action = context.Args.Length > 1 ? context.Args[1] : throw new CliUsageException(AccountUsage);
        if (action == "list")
        {
            var page = (PagedResult<AccountSummaryDto>)(await context.SendAsync(new GetAccounts(context.Option("--search"), 1, 200)))!;
            foreach (var a in page.Items)
                Console.WriteLine(string.Join('\t', a.UserName, a.Role, a.Status, a.UnitCreditCode ?? a.Jurisdiction ?? "-", a.DisplayName));
            await Console.Error.WriteLineAsync($"共 {page.Total} 个账号{(page.Total > page.Items.Count ? $"（显示前 {page.Items.Count} 个）" : "")}");
            return 0;
        }
        var user = context.Args.Length > 2 && !context.Args[2].StartsWith("--", StringComparison.Ordinal) ? context.Args[2] : throw new CliUsageException(AccountUsage);
        switch (action)
        {
            case "create":
            {
                var role = RoleOption(context.RequiredOption("--role"));
                var created = (AccountCreated)(await context.SendAsync(new CreateAccount(user, context.RequiredOption("--name"), null, role,
                    context.Option("--unit"), context.Option("--jurisdiction"))))!;
                await Console.Error.WriteLineAsync($"已创建账号 {user}；临时密码只显示这一次，首次登录须修改：");
                Console.WriteLine(created.TemporaryPassword);
                return 0;
            }
            case "update":
            {
                var account = await DetailAsync(context, user);
                var role = context.Option("--role") is { } r ? RoleOption(r) : account.Role;
                await context.SendAsync(new UpdateAccount(account.Id, account.Version, context.Option("--name") ?? account.DisplayName, role,
                    context.Option("--unit") ?? account.UnitCreditCode, context.Option("--jurisdiction") ?? account.Jurisdiction));
                Console.WriteLine($"account {user} updated");
                return 0;
            }
            case "disable" or "enable":
            {
                var changed = (bool)(await context.SendAsync(new SetAccountEnabled((await DetailAsync(context, user)).Id, action == "enable")))!;
                Console.WriteLine($"account {user} {(action == "enable" ? "enabled" : "disabled")}{(changed ? "" : " (unchanged)")}");
                return 0;
            }
            case "reset-password":
            {
                var temporary = (string)(await context.SendAsync(new ResetPassword((await DetailAsync(context, user)).Id)))!;
                await Console.Error.WriteLineAsync($"已重置 {user} 的密码；临时密码只显示这一次，首次登录须修改：");
                Console.WriteLine(temporary);
                return 0;
            }
            case "bind-sso" or "unbind-sso":
            {
                var id = (await DetailAsync(context, user)).Id;
                var issuer = context.Option("--issuer") ?? context.Configuration["Declaration:Oidc:Authority"] ?? "oidc";
                var subject = context.RequiredOption("--subject");
                object? done = action == "bind-sso"
                    ? await context.SendAsync(new BindSsoSubject(id, issuer, subject))
                    : await context.SendAsync(new UnbindSsoSubject(id, issuer, subject));
                Console.WriteLine($"account {user} {action} {subject}: {((bool)done! ? "done" : "unchanged")}");
                return 0;
            }
            default:
                throw new CliUsageException(AccountUsage);
        }
    }

    private const string ApiKeyUsage = """
        用法：
          api-key create <user> --name <用途> [--expires yyyy-MM-dd]
          api-key revoke <user> <key-id>
        """;

    private static async Task<int> ApiKeyAsync(CliContext context)
    {
        if (context.Args.Length < 3) throw new CliUsageException(ApiKeyUsage);
        var account = await DetailAsync(context, context.Args[2]);
        switch (context.Args[1])
        {
            case "create":
            {
                DateOnly? expires = context.Option("--expires") is { } e
                    ? DateOnly.TryParseExact(e, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : throw new CliUsageException("--expires 应为 yyyy-MM-dd")
                    : null;
                var created = (ApiKeyCreated)(await context.SendAsync(new CreateApiKey(account.Id, context.RequiredOption("--name"), expires)))!;
                await Console.Error.WriteLineAsync($"已为 {account.UserName} 创建接口密钥 {created.Id}；密钥只显示这一次：");
                Console.WriteLine(created.Key);
                return 0;
            }
            case "revoke" when context.Args.Length > 3 && Guid.TryParse(context.Args[3], out var keyId):
            {
                var revoked = (bool)(await context.SendAsync(new RevokeApiKey(account.Id, keyId)))!;
                Console.WriteLine(revoked ? $"api key {keyId} revoked" : $"api key {keyId} not found or already revoked");
                return revoked ? 0 : 2;
            }
            default:
                throw new CliUsageException(ApiKeyUsage);
        }
    }

    private static Role RoleOption(string value) =>
        Roles.TryGetValue(value, out var role) ? role : throw new CliUsageException("--role 应为 employer、reviewer 或 admin");

    private static async Task<AccountSummaryDto> DetailAsync(CliContext context, string userName)
    {
        var found = (AccountDto?)await context.SendAsync(new FindAccount(userName)) ?? throw new CliUsageException($"账号 {userName} 不存在");
        return ((AccountDetailDto)(await context.SendAsync(new GetAccount(found.Id)))!).Account;
    }
}
