using Declaration.Host.Cli;
using Declaration.Host.Web;

if (args.Length > 0 && CommandLine.IsVerb(args[0]))
    return await CommandLine.RunAsync(args);

return await WebApp.RunAsync(args);
