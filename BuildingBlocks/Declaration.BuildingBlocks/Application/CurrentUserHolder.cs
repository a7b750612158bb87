using Microsoft.Extensions.DependencyInjection;

namespace Declaration.BuildingBlocks.Application;

/// <summary>
/// The scope's caller: set by the web host's middleware from the sign-in, by jobs, consumers, the command line and tests explicitly.
/// Unset it is <see cref="UnsetUser"/>: no rights (fail closed).
/// </summary>
public sealed class CurrentUserHolder
{
    public ICurrentUser User { get; set; } = UnsetUser.Instance;
}

public static class SystemScopes
{
    /// <summary>A new scope whose caller is the system (nightly jobs, event consumers, seeding, the command line).</summary>
    public static AsyncServiceScope CreateSystemScope(this IServiceScopeFactory scopes) => AsSystem(scopes.CreateAsyncScope());

    /// <inheritdoc cref="CreateSystemScope(IServiceScopeFactory)"/>
    public static AsyncServiceScope CreateSystemScope(this IServiceProvider services) => AsSystem(services.CreateAsyncScope());

    /// <summary>A new scope whose caller is <paramref name="user"/>.</summary>
    public static AsyncServiceScope CreateScopeAs(this IServiceProvider services, ICurrentUser user)
    {
        var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = user;
        return scope;
    }

    private static AsyncServiceScope AsSystem(AsyncServiceScope scope)
    {
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = new SystemUser();
        return scope;
    }
}
