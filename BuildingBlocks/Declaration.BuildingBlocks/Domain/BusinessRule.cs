using Declaration.BuildingBlocks.Errors;

namespace Declaration.BuildingBlocks.Domain;

/// <summary>An invariant with a name, checked in the aggregate and tested by name.</summary>
public interface IBusinessRule
{
    bool IsBroken();
    string Message { get; }
}

public static class Rules
{
    public static void Check(IBusinessRule rule)
    {
        if (rule.IsBroken()) throw new BusinessRuleException(rule.GetType().Name, rule.Message);
    }
}
