using System.Diagnostics;
using Declaration.BuildingBlocks.Observability;
using Hangfire.Common;
using Hangfire.Server;

namespace Declaration.Host.Web;

/// <summary>Every Hangfire job as a trace span (<c>Declaration</c> activity source) and a duration in <c>declaration.jobs.duration</c>, by job and outcome.</summary>
internal sealed class JobTelemetryFilter : JobFilterAttribute, IServerFilter
{
    private const string ActivityKey = "declaration.activity", StartedKey = "declaration.started";

    public static void Register()
    {
        if (!Hangfire.GlobalJobFilters.Filters.Any(f => f.Instance is JobTelemetryFilter))
            Hangfire.GlobalJobFilters.Filters.Add(new JobTelemetryFilter());
    }

    private static string Name(PerformContext context) => $"{context.BackgroundJob.Job.Type.Name}.{context.BackgroundJob.Job.Method.Name}";

    public void OnPerforming(PerformingContext context)
    {
        var activity = DeclarationTelemetry.ActivitySource.StartActivity($"job {Name(context)}", ActivityKind.Internal);
        activity?.SetTag("hangfire.job.id", context.BackgroundJob.Id);
        context.Items[ActivityKey] = activity;
        context.Items[StartedKey] = Stopwatch.GetTimestamp();
    }

    public void OnPerformed(PerformedContext context)
    {
        var failed = context.Exception is not null && !context.ExceptionHandled;
        if (context.Items.TryGetValue(StartedKey, out var started) && started is long timestamp)
            DeclarationTelemetry.JobCompleted(Name(context), Stopwatch.GetElapsedTime(timestamp), failed);
        if (context.Items.TryGetValue(ActivityKey, out var a) && a is Activity activity)
        {
            if (failed) activity.SetStatus(ActivityStatusCode.Error, context.Exception!.GetType().Name);
            activity.Dispose();
        }
    }
}
