namespace Declaration.BuildingBlocks.Errors;

/// <summary>The one error style of the solution: exceptions thrown by handlers, mapped at the edge to RFC 7807.</summary>
public abstract class AppException(string message) : Exception(message)
{
    public abstract int StatusCode { get; }
}

/// <summary>The resource does not exist, or the caller may not know it exists (another unit's data).</summary>
public sealed class NotFoundException(string message = "未找到该记录") : AppException(message)
{
    public override int StatusCode => 404;
}

/// <summary>The caller is known but outside the resource's jurisdiction.</summary>
public sealed class ForbiddenException(string message = "无权访问：不在您的管辖范围内") : AppException(message)
{
    public override int StatusCode => 403;
}

/// <summary>A stale edit (the version changed since the form was loaded) or a duplicate.</summary>
public sealed class ConflictException(string message) : AppException(message)
{
    public override int StatusCode => 409;
}

/// <summary>A named business rule refused the operation.</summary>
public sealed class BusinessRuleException(string rule, string message) : AppException(message)
{
    public string Rule { get; } = rule;
    public override int StatusCode => 422;
}

/// <summary>Input that failed validation, with a message per field.</summary>
public sealed class InputException : AppException
{
    public InputException(IReadOnlyDictionary<string, string[]> errors) : base("提交的信息有误，请按提示修改") => Errors = errors;
    public InputException(string field, string message) : this(new Dictionary<string, string[]> { [field] = [message] }) { }
    public IReadOnlyDictionary<string, string[]> Errors { get; }
    public override int StatusCode => 400;

    /// <summary>Every field message in one line (for a caller that shows a single message).</summary>
    public string Describe() => Errors.Count == 0 ? Message : string.Join("；", Errors.SelectMany(e => e.Value));
}
