namespace Declaration.Host.Web;

/// <summary>
/// Which host answered: <c>Declaration:HostName</c> (the cluster script names its hosts host1…hostN), else the machine name and
/// process id. Sent as the <c>X-Declaration-Host</c> response header, so an operator (and the multi-host test) sees which host
/// behind the proxy served a request, and recorded on the import jobs a host runs.
/// </summary>
public static class HostIdentity
{
    public const string Header = "X-Declaration-Host";

    public static string Name(IConfiguration configuration) =>
        configuration["Declaration:HostName"] is { Length: > 0 } name ? name : $"{Environment.MachineName}:{Environment.ProcessId}";

    public static IApplicationBuilder UseHostIdentityHeader(this IApplicationBuilder app, IConfiguration configuration)
    {
        var name = Name(configuration);
        return app.Use((context, next) =>
        {
            context.Response.Headers[Header] = name;
            return next(context);
        });
    }
}
