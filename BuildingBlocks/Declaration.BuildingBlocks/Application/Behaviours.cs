using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Logging;

namespace Declaration.BuildingBlocks.Application;

/// <summary>Runs every FluentValidation validator of the message; failures become one <see cref="InputException"/>.</summary>
public sealed class ValidationBehaviour<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse> where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var failures = new List<FluentValidation.Results.ValidationFailure>();
        foreach (var validator in validators)
        {
            var result = await validator.ValidateAsync(message, cancellationToken);
            failures.AddRange(result.Errors);
        }
        if (failures.Count > 0)
            throw new InputException(failures.GroupBy(f => f.PropertyName).ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct().ToArray()));
        return await next(message, cancellationToken);
    }
}

/// <summary>A transaction per command: state changes, outbox rows and audit entries commit together or not at all.</summary>
public sealed class TransactionBehaviour<TMessage, TResponse>(IDbSession db)
    : IPipelineBehavior<TMessage, TResponse> where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IBaseCommand || db.Transaction is not null) return await next(message, cancellationToken);
        await db.BeginAsync(cancellationToken);
        try
        {
            var response = await next(message, cancellationToken);
            await db.CommitAsync(cancellationToken);
            return response;
        }
        catch
        {
            await db.RollbackAsync(CancellationToken.None);
            throw;
        }
    }
}

public sealed class LoggingBehaviour<TMessage, TResponse>(ILogger<LoggingBehaviour<TMessage, TResponse>> logger, ICurrentUser user)
    : IPipelineBehavior<TMessage, TResponse> where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return await next(message, cancellationToken);
        }
        catch (AppException ex)
        {
            logger.LogInformation("{Message} by {User} refused: {Status} {Reason}", typeof(TMessage).Name, user.UserId, ex.StatusCode, ex.Message);
            throw;
        }
        finally
        {
            logger.LogDebug("{Message} by {User} took {Elapsed} ms", typeof(TMessage).Name, user.UserId,
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }
}

/// <summary>
/// Fail closed: a message sent in a scope whose caller nobody set is refused (a background scope must say it runs as the system).
/// Anonymous web callers are set explicitly (<see cref="AnonymousUser"/>) and pass; their rights are checked by the handlers.
/// </summary>
public sealed class CallerBehaviour<TMessage, TResponse>(ICurrentUser user)
    : IPipelineBehavior<TMessage, TResponse> where TMessage : notnull, IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken) =>
        user is UnsetUser
            ? throw new ForbiddenException($"未设置调用者身份，已拒绝 {typeof(TMessage).Name}（后台任务须以系统身份运行）")
            : next(message, cancellationToken);
}

/// <summary>
/// Every text of every message (commands and queries, nested records and lists included) is checked before validation: no control
/// characters but tab and line breaks, no bidirectional-override characters, no lone surrogates, at most
/// <see cref="TextInput.MaxLength"/> characters. One Chinese message per offending field; nothing reaches a handler or the database.
/// </summary>
public sealed class InputTextBehaviour<TMessage, TResponse> : IPipelineBehavior<TMessage, TResponse> where TMessage : notnull, IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var errors = TextInput.CheckObject(message);
        if (errors.Count > 0) throw new InputException(errors);
        return next(message, cancellationToken);
    }
}

/// <summary>A request whose result leaves the system as a file of many units' data (a tax or certification export): audited.</summary>
public interface IAuditedExport
{
    string ExportKind { get; }
    int BusinessYear { get; }
}

/// <summary>Records who took an export (kind, year, rows) once it was written; a refused export is logged, not audited.</summary>
public sealed class ExportAuditBehaviour<TMessage, TResponse>(Audit.IAuditLog audit)
    : IPipelineBehavior<TMessage, TResponse> where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var response = await next(message, cancellationToken);
        if (message is IAuditedExport export)
            await audit.RecordAsync("Export", "Export", $"{export.ExportKind}/{export.BusinessYear}", null, $"导出{export.ExportKind}（{export.BusinessYear}年度）",
                null, new { kind = export.ExportKind, year = export.BusinessYear, rows = response }, cancellationToken);
        return response;
    }
}
