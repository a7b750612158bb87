using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Declaration.Host.Web;

/// <summary>
/// Every error of <c>/api</c> is <c>application/problem+json</c> (RFC 9457) with a Chinese title and detail: the statuses the
/// framework answers with an empty body (401, 403, 404, 405, 415, 400 on an unreadable body…) and unhandled exceptions (500,
/// without internals). <see cref="AppExceptionMiddleware"/> writes the solution's own errors with the same titles. Pages keep their
/// HTML error page.
/// </summary>
internal static class ApiProblems
{
    /// <summary>An /api request (after an exception the request path is the error page's: the original one is in the handler feature).</summary>
    public static bool IsApi(HttpContext context) =>
        (context.Features.Get<IExceptionHandlerPathFeature>()?.Path is { } original ? new PathString(original) : context.Request.Path).StartsWithSegments("/api");

    public static (string Title, string Detail) Describe(int status) => status switch
    {
        400 => ("输入有误", "请求的格式或参数不正确，请检查后重试。"),
        401 => ("未登录", "请先登录（或登录已过期），再访问此接口。"),
        403 => ("无权访问", "当前账号无权执行此操作。"),
        404 => ("未找到", "请求的资源或接口不存在。"),
        405 => ("不支持该请求方法", "此接口不支持该 HTTP 方法。"),
        406 => ("无法提供所需格式", "此接口只提供 JSON。"),
        409 => ("数据冲突", "数据已被他人修改，请刷新后重试。"),
        413 => ("请求内容过大", "上传的内容超过了允许的大小。"),
        415 => ("不支持的内容类型", "请求体的内容类型不受支持：JSON 接口请使用 application/json，上传文件请使用 multipart/form-data。"),
        422 => ("业务规则不允许", "该操作不符合业务规则。"),
        429 => ("请求过于频繁", "请求过于频繁，请稍后再试。"),
        500 => ("服务器内部错误", "服务器处理请求时出错，请稍后重试；如持续出现，请联系系统管理员并提供请求编号。"),
        503 => ("服务暂不可用", "服务暂时不可用，请稍后重试。"),
        _ => ("请求失败", $"请求失败（HTTP {status}）。"),
    };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Task WriteAsync(HttpContext context, int status, string? detail = null)
    {
        var (title, defaultDetail) = Describe(status);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["type"] = $"https://httpstatuses.io/{status}",
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail ?? defaultDetail,
            ["instance"] = context.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? context.Request.Path.Value,
            ["traceId"] = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier,
        }, Json));
    }

    /// <summary>Status-code pages: an /api error status without a body gets its problem details.</summary>
    public static Task WriteStatusAsync(StatusCodeContext status)
    {
        var context = status.HttpContext;
        return IsApi(context) ? WriteAsync(context, context.Response.StatusCode) : Task.CompletedTask;
    }
}

/// <summary>An exception no one handled, on /api: 500 problem details (logged by the exception-handler middleware); pages go on to /Error.</summary>
internal sealed class ApiExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!ApiProblems.IsApi(httpContext) || httpContext.Response.HasStarted) return false;
        var status = exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
        httpContext.Response.Clear();
        await ApiProblems.WriteAsync(httpContext, status);
        return true;
    }
}
