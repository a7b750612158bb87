using Declaration.BuildingBlocks.Data;
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
