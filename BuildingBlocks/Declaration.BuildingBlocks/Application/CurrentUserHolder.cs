namespace Declaration.BuildingBlocks.Application;

/// <summary>The scope's caller: set by the web host's middleware from the sign-in, by jobs and tests explicitly.</summary>
public sealed class CurrentUserHolder
{
    public ICurrentUser User { get; set; } = new SystemUser();
}
