using System.Security.Claims;
using System.Threading.RateLimiting;
using Declaration.BuildingBlocks.Errors;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.RateLimiting;

namespace Declaration.Host.Web;

/// <summary>
/// CSRF for the JSON API: a state-changing /api call made with the sign-in cookie must carry the antiforgery token in the
/// <c>RequestVerificationToken</c> header (a page's script reads it from the page's <c>csrf-token</c> meta tag or from
/// <c>GET /api/antiforgery</c>; a foreign page can neither read it nor set a header on a plain form post). API-key calls carry no
/// ambient credential and need none.
/// </summary>
internal sealed class ApiAntiforgeryMiddleware(RequestDelegate next, IAntiforgery antiforgery)
{
    public const string HeaderName = "RequestVerificationToken";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments("/api") && !IsSafe(request.Method) && context.User.Identity is { IsAuthenticated: true } identity
            && identity.AuthenticationType != ApiKeyAuthentication.SchemeName)
        {
            if (!request.Headers.ContainsKey(HeaderName) || !await antiforgery.IsRequestValidAsync(context))
            {
                await ProblemWriter.WriteAsync(context, 400, $"缺少或无效的防伪令牌（请求头 {HeaderName}）：已拒绝该请求。请刷新页面后重试；系统对接请使用接口密钥。");
                return;
            }
        }
        await next(context);
    }

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
}

/// <summary>An account signed in with a temporary password may do nothing but change it.</summary>
internal sealed class MustChangePasswordMiddleware(RequestDelegate next)
{
    private static readonly string[] Allowed = ["/Account/Password", "/Account/Logout", "/Account/Login", "/Account/Denied", "/Error", "/api/antiforgery"];

    public Task InvokeAsync(HttpContext context)
    {
        if (context.User.FindFirstValue(DeclarationClaims.MustChangePassword) == "1"
            && !Allowed.Any(p => context.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
        {
            if (context.Request.Path.StartsWithSegments("/api")) return ProblemWriter.WriteAsync(context, 403, "请先修改初始密码（临时密码须在首次登录时修改）");
            context.Response.Redirect("/Account/Password");
            return Task.CompletedTask;
        }
        return next(context);
    }
}

/// <summary>
/// Refusals of a request's form that happen before the mediator (a malformed or truncated multipart body, a form or body over its
/// limits, a JSON body that does not parse, a wrong content type, a missing form antiforgery token): a 4xx with a Chinese message
/// instead of a 500.
/// </summary>
internal sealed class RequestErrorMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && Describe(ex) is { } refusal)
        {
            throw new RequestRejectedException(refusal.Status, refusal.Message, ex);
        }
    }

    private static (int Status, string Message)? Describe(Exception ex) => ex switch
    {
        BadHttpRequestException { StatusCode: 413 } => (413, "请求内容过大"),
        BadHttpRequestException { StatusCode: 415 } => (415, "不支持该内容类型（Content-Type）：JSON 接口请使用 application/json，上传文件请使用 multipart/form-data"),
        BadHttpRequestException { InnerException: System.Text.Json.JsonException } =>
            (400, "请求内容不是有效的 JSON，或字段的类型、格式不正确（日期应为 yyyy-MM-dd，编号应为有效的 GUID）"),
        BadHttpRequestException b when b.Message.Contains("form", StringComparison.OrdinalIgnoreCase) =>
            (400, "表单或上传内容不完整或格式有误，请重新提交"),
        BadHttpRequestException b => (b.StatusCode is >= 400 and < 500 ? b.StatusCode : 400, "请求格式有误（参数缺失或类型不正确）"),
        InvalidDataException => (400, "表单或上传内容不完整、格式有误或超出大小限制，请重新提交"),
        AntiforgeryValidationException => (400, "页面已过期或缺少防伪令牌，请刷新页面后重新提交"),
        IOException when ex.Message.Contains("Unexpected end of", StringComparison.OrdinalIgnoreCase) => (400, "上传内容不完整（连接中断或格式有误），请重新提交"),
        _ => null,
    };
}

/// <summary>
/// An error status with no body (no route, a wrong method, a page form without its antiforgery token…) gets a Chinese answer: a problem
/// for /api, the error page otherwise (re-executed with the same status).
/// </summary>
internal sealed class EmptyErrorMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        var response = context.Response;
        if (response.StatusCode < 400 || response.HasStarted || response.ContentLength is not null || response.ContentType is not null) return;
        var status = response.StatusCode;
        var api = context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/hangfire");
        var message = status switch
        {
            400 when api => "请求格式有误或内容不完整（如上传内容被截断），请检查后重新提交",
            400 => "请求无效（页面可能已过期、缺少防伪令牌或提交的内容不完整），请刷新页面后重新提交",
            404 => "您要访问的页面、接口或记录不存在",
            405 => "不支持该请求方式",
            413 => "请求内容过大",
            415 => "不支持该内容类型（Content-Type）",
            _ => "系统暂时无法处理您的请求，请稍后再试",
        };
        if (api)
        {
            await ProblemWriter.WriteAsync(context, status, message);
            return;
        }
        context.Items["error.message"] = message;
        context.Request.Path = "/Error";
        context.Request.Method = "GET";
        context.Request.QueryString = QueryString.Empty;
        context.SetEndpoint(null);
        context.Request.RouteValues.Clear();
        await next(context);
        if (!response.HasStarted) response.StatusCode = status;
    }
}

/// <summary>A request refused before any handler ran (see <see cref="RequestErrorMiddleware"/>).</summary>
internal sealed class RequestRejectedException(int status, string message, Exception inner) : AppException(message)
{
    public override int StatusCode { get; } = status;
    public Exception Cause { get; } = inner;
}

/// <summary><c>Declaration:RateLimits</c>: fixed windows per client address (sign-in, /Verify), per user name (sign-in), per account (uploads).</summary>
public sealed class RateLimitOptions
{
    public bool Enabled { get; set; } = true;
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
    public int SignInPerAddress { get; set; } = 20;
    public int SignInPerUserName { get; set; } = 10;
    public int VerifyPerAddress { get; set; } = 30;
    public int UploadsPerAccount { get; set; } = 30;
}

/// <summary>
/// ASP.NET Core rate limiting (in memory, per host: behind N hosts a client gets up to N times the budget; the lockout of
/// repeated wrong passwords is in the database and holds across hosts).
/// </summary>
internal static class RateLimits
{
    private const string UserNameItem = "declaration.sign-in.user";

    public static void AddDeclarationRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Declaration:RateLimits").Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = 429;
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
                    http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                const string message = "操作过于频繁，请稍后再试";
                if (http.Request.Path.StartsWithSegments("/api")) await ProblemWriter.WriteAsync(http, 429, message);
                else
                {
                    http.Response.StatusCode = 429;
                    http.Response.ContentType = "text/html; charset=utf-8";
                    await http.Response.WriteAsync(
                        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>请求过于频繁 - 残疾人按比例就业情况联网认证</title></head>" +
                        $"<body><main><h1>请求过于频繁</h1><p role=\"alert\">{message}（约1分钟后）。</p><p><a href=\"/\">返回首页</a></p></main></body></html>", ct);
                }
            };
            if (!options.Enabled) return;
            FixedWindowRateLimiterOptions Window(int permits) => new() { PermitLimit = Math.Max(1, permits), Window = options.Window, QueueLimit = 0 };
            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(ctx => IsSignIn(ctx)
                    ? RateLimitPartition.GetFixedWindowLimiter("sign-in:" + Address(ctx), _ => Window(options.SignInPerAddress))
                    : RateLimitPartition.GetNoLimiter(string.Empty)),
                PartitionedRateLimiter.Create<HttpContext, string>(ctx => IsSignIn(ctx) && ctx.Items[UserNameItem] is string name && name.Length > 0
                    ? RateLimitPartition.GetFixedWindowLimiter("sign-in-user:" + name, _ => Window(options.SignInPerUserName))
                    : RateLimitPartition.GetNoLimiter(string.Empty)),
                PartitionedRateLimiter.Create<HttpContext, string>(ctx => IsVerify(ctx)
                    ? RateLimitPartition.GetFixedWindowLimiter("verify:" + Address(ctx), _ => Window(options.VerifyPerAddress))
                    : RateLimitPartition.GetNoLimiter(string.Empty)),
                PartitionedRateLimiter.Create<HttpContext, string>(ctx => IsUpload(ctx)
                    ? RateLimitPartition.GetFixedWindowLimiter("upload:" + (ctx.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? Address(ctx)),
                        _ => Window(options.UploadsPerAccount))
                    : RateLimitPartition.GetNoLimiter(string.Empty)));
        });
    }

    /// <summary>Reads the sign-in form's user name before the limiter partitions by it (the form is small and read once).</summary>
    public static IApplicationBuilder UseDeclarationRateLimits(this IApplicationBuilder app)
    {
        app.Use(async (context, next) =>
        {
            if (IsSignIn(context) && context.Request.HasFormContentType && context.Request.ContentLength is null or < 64 * 1024)
            {
                var form = await context.Request.ReadFormAsync(context.RequestAborted);
                context.Items[UserNameItem] = form["UserName"].ToString().Trim().ToLowerInvariant();
            }
            await next(context);
        });
        return app.UseRateLimiter();
    }

    private static string Address(HttpContext ctx) => ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static bool IsSignIn(HttpContext ctx) =>
        HttpMethods.IsPost(ctx.Request.Method) && ctx.Request.Path.Equals("/Account/Login", StringComparison.OrdinalIgnoreCase);

    private static bool IsVerify(HttpContext ctx) =>
        ctx.Request.Path.Equals("/Verify", StringComparison.OrdinalIgnoreCase) || ctx.Request.Path.Equals("/api/verify", StringComparison.OrdinalIgnoreCase);

    private static bool IsUpload(HttpContext ctx) =>
        (HttpMethods.IsPost(ctx.Request.Method) || HttpMethods.IsPut(ctx.Request.Method))
        && ctx.Request.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true;
}

/// <summary>Claims of a signed-in account.</summary>
public static class DeclarationClaims
{
    public const string UnitId = "unit_id";
    public const string Jurisdiction = "jurisdiction";
    public const string Stamp = "security_stamp";
    public const string MustChangePassword = "must_change_password";

    public static ClaimsPrincipal Principal(Units.Contracts.AccountDto account, Guid stamp, bool mustChangePassword, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, account.Id.ToString()),
            new(ClaimTypes.Name, account.UserName),
            new(ClaimTypes.GivenName, account.DisplayName),
            new(ClaimTypes.Role, account.Role.ToString()),
            new(Stamp, stamp.ToString()),
        };
        if (account.UnitId is { } unitId) claims.Add(new Claim(UnitId, unitId.ToString()));
        if (!string.IsNullOrEmpty(account.Jurisdiction)) claims.Add(new Claim(Jurisdiction, account.Jurisdiction));
        if (mustChangePassword) claims.Add(new Claim(MustChangePassword, "1"));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    /// <summary>Whether the request was authenticated by the sign-in cookie (not by an API key).</summary>
    public static bool ByCookie(this ClaimsPrincipal user) => user.Identity?.AuthenticationType == CookieAuthenticationDefaults.AuthenticationScheme;
}
