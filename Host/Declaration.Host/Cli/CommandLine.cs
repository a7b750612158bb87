using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Errors;
using Declaration.Host.Infrastructure;
using Mediator;

namespace Declaration.Host.Cli;

/// <summary>
/// The command-line verbs of FORMATS.md, run by the same modules and configuration as the web host.
/// Progress and errors go to standard error, results to standard output (or --out). Exit 0 on success.
/// </summary>
public static class CommandLine
{
    private static readonly Dictionary<string, Func<CliContext, Task<int>>> Verbs = new(StringComparer.Ordinal)
    {
        ["migrate"] = _ => Task.FromResult(0),
        ["import"] = ImportAsync,
        ["seed-demo"] = SeedDemoAsync,
    };

    /// <summary>Verbs added by modules' command-line features (certify, export, levy).</summary>
    internal static void Register(string verb, Func<CliContext, Task<int>> run) => Verbs[verb] = run;

    /// <summary>Import kinds of FORMATS.md and the module command that takes each.</summary>
    internal static readonly Dictionary<string, Func<Stream, IMessage>> ImportKinds = new(StringComparer.Ordinal)
    {
        ["units"] = s => new Units.Contracts.ImportUnits(s),
        ["related-units"] = s => new Units.Contracts.ImportRelatedUnits(s),
    };

    /// <summary>Export kinds of FORMATS.md (<c>export &lt;kind&gt; --year Y --out file</c>): a request writing the file to the stream, returning its row count.</summary>
    internal static readonly Dictionary<string, Func<int, Stream, IMessage>> ExportKinds = new(StringComparer.Ordinal);

    static CommandLine() => CliVerbs.RegisterAll();

    public static bool IsVerb(string arg) => Verbs.ContainsKey(arg);

    public static async Task<int> RunAsync(string[] args)
    {
        // A generic host (no web server): the verbs serve nothing, so no port is ever taken.
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).AddFilter((category, level) => level >= LogLevel.Warning);
        builder.Logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (ProductionGuard.Refuses(builder.Environment, builder.Configuration)) return ProductionGuard.ExitCode;
        if (args[0] == "seed-demo" && builder.Environment.IsProduction())
        {
            await Console.Error.WriteLineAsync("拒绝执行 seed-demo：生产环境（Production）不允许写入演示数据（它会重置演示账号及其密码）。演示请在非生产环境运行（./run 默认使用 Demo 环境）。");
            return ProductionGuard.ExitCode;
        }
        try
        {
            await using var database = await DatabaseLocator.ResolveAsync(builder.Configuration, m => Console.Error.WriteLine(m));
            builder.Services.AddDeclarationCore(builder.Configuration, database.ConnectionString);
            using var app = builder.Build();
            await Startup.MigrateAsync(app.Services, CancellationToken.None);
            await app.StartAsync();
            var context = new CliContext(args, app.Services);
            // Events a verb committed stay in the outboxes, durable, for the hosts' relays and inbox processors (seed-demo delivers its own).
            var code = await Verbs[args[0]](context);
            await app.StopAsync();
            return code;
        }
        catch (Declaration.BuildingBlocks.Security.KeyMismatchException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return ProductionGuard.ExitCode;
        }
        catch (ImportRejectedException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            foreach (var e in ex.Errors) await Console.Error.WriteLineAsync(e.ToString());
            return 2;
        }
        catch (InputException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            foreach (var (field, messages) in ex.Errors) await Console.Error.WriteLineAsync($"{field}: {string.Join("；", messages)}");
            return 2;
        }
        catch (Exception ex) when (ex is AppException or CliUsageException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            await Console.Error.WriteLineAsync($"找不到文件：{(ex as FileNotFoundException)?.FileName ?? ex.Message}。请检查文件路径（相对路径从当前目录算起）后重试");
            return 2;
        }
        catch (UnauthorizedAccessException ex)
        {
            await Console.Error.WriteLineAsync($"没有权限读写文件：{ex.Message}。请检查文件和目录的权限后重试");
            return 2;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync(Describe(args[0], ex));
            await Console.Error.WriteLineAsync("详细信息（供系统管理员排查）：");
            await Console.Error.WriteLineAsync(ex.ToString());
            return 1;
        }
    }

    /// <summary>What failed and what to do, in Chinese, for an unexpected error (the full exception follows on standard error).</summary>
    internal static string Describe(string verb, Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null && inner is not Npgsql.NpgsqlException) inner = inner.InnerException;
        var what = verb == "import" ? "导入未完成，数据库中没有写入该文件的任何数据（整个文件在一个事务中回滚）" : "命令未完成";
        return inner switch
        {
            Npgsql.PostgresException pg when pg.SqlState == "53200" =>
                $"“{verb}”失败：数据库共享内存不足（{pg.SqlState} {pg.MessageText}）。{what}。请让数据库管理员调大 max_locks_per_transaction 后重试",
            Npgsql.PostgresException pg =>
                $"“{verb}”失败：数据库报错（{pg.SqlState} {pg.MessageText}）。{what}。请检查输入后重试；如仍失败，请把下面的详细信息发给系统管理员",
            Npgsql.NpgsqlException =>
                $"“{verb}”失败：无法连接或访问数据库（{inner.Message}）。{what}。请确认数据库已启动、DECLARATION_DB 连接设置正确后重试",
            OutOfMemoryException => $"“{verb}”失败：内存不足。{what}。请关闭其他程序或把文件拆分后重试",
            IOException => $"“{verb}”失败：读写文件出错（{inner.Message}）。{what}。请检查磁盘空间和文件是否完整后重试",
            _ => $"“{verb}”失败：发生了意外错误（{inner.GetType().Name}：{inner.Message}）。{what}。请稍后重试；如仍失败，请把下面的详细信息发给系统管理员",
        };
    }

    private static async Task<int> ImportAsync(CliContext context)
    {
        if (context.Args.Length < 3) throw new CliUsageException("用法：import <kind> <file>；kind 为 " + string.Join("、", ImportKinds.Keys));
        if (!ImportKinds.TryGetValue(context.Args[1], out var factory)) throw new CliUsageException($"未知的导入类型“{context.Args[1]}”；可用：{string.Join("、", ImportKinds.Keys)}");
        await using var file = File.OpenRead(context.Args[2]);
        await Console.Error.WriteLineAsync($"正在导入 {context.Args[1]}：{context.Args[2]}");
        var result = (ImportResult)(await context.SendAsync(factory(file)))!;
        foreach (var w in result.Warnings) await Console.Error.WriteLineAsync($"警告：{w}");
        Console.WriteLine($"{result.Kind}: {result.Rows} rows, {result.Inserted} inserted, {result.Updated} updated, sha256 {result.Sha256}");
        return 0;
    }

    private static async Task<int> SeedDemoAsync(CliContext context)
    {
        await DemoData.SeedAsync(context.Services, m => Console.Error.WriteLine(m), CancellationToken.None);
        Console.WriteLine("demo data seeded");
        return 0;
    }
}

internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>What a verb gets: its arguments and the composed services.</summary>
public sealed class CliContext(string[] args, IServiceProvider services)
{
    public string[] Args { get; } = args;
    public IServiceProvider Services { get; } = services;
    public IConfiguration Configuration => Services.GetRequiredService<IConfiguration>();

    public string? Option(string name)
    {
        var i = Array.IndexOf(Args, name);
        return i >= 0 && i + 1 < Args.Length ? Args[i + 1] : null;
    }

    public string RequiredOption(string name) => Option(name) ?? throw new CliUsageException($"缺少参数 {name}");

    /// <summary>Sends a request in a fresh scope as the system user.</summary>
    public async Task<object?> SendAsync(IMessage request)
    {
        await using var scope = Services.CreateSystemScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send((object)request);
    }
}
