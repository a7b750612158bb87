using System.Security.Claims;
using System.Text.Json;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Errors;
using Hangfire.Dashboard;

namespace Declaration.Host.Web;

/// <summary>Security headers on every response; a strict CSP everywhere but the Hangfire dashboard.</summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        if (!context.Request.Path.StartsWithSegments("/hangfire"))
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'";
        return next(context);
    }
}

/// <summary>Puts the signed-in account into the scope's <see cref="CurrentUserHolder"/>.</summary>
internal sealed class CurrentUserMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context, CurrentUserHolder holder)
    {
        var principal = context.User;
        if (principal.Identity?.IsAuthenticated == true && Enum.TryParse<Role>(principal.FindFirstValue(ClaimTypes.Role), out var role)
            && role is Role.Employer or Role.Reviewer or Role.Admin)
        {
            holder.User = new HttpUser(
                principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? "?",
                principal.FindFirstValue(ClaimTypes.GivenName) ?? principal.Identity.Name ?? "?",
                role,
                Guid.TryParse(principal.FindFirstValue(DeclarationClaims.UnitId), out var unitId) ? unitId : null,
                principal.FindFirstValue(DeclarationClaims.Jurisdiction),
                context.Connection.RemoteIpAddress?.ToString());
        }
        else holder.User = new AnonymousUser(context.Connection.RemoteIpAddress?.ToString());
        return next(context);
    }

    private sealed record HttpUser(string UserId, string UserName, Role Role, Guid? UnitId, string? Jurisdiction, string? IpAddress) : ICurrentUser;
}

/// <summary>Maps the solution's exceptions to RFC 7807 problem details (API) or the error page (pages).</summary>
internal sealed class AppExceptionMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (AppException ex) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            context.Response.StatusCode = ex.StatusCode;
            if (context.Request.Path.StartsWithSegments("/api") || context.Request.Headers.Accept.Any(a => a?.Contains("json", StringComparison.Ordinal) == true))
            {
                context.Response.ContentType = "application/problem+json; charset=utf-8";
                await context.Response.WriteAsync(JsonSerializer.Serialize(Problem(ex, context), ProblemJson));
            }
            else
            {
                context.Items["error.message"] = ex.Message;
                context.Request.Path = "/Error";
                context.Request.Method = "GET";
                context.SetEndpoint(null);
                context.Request.RouteValues.Clear();
                await next(context);
            }
        }
    }

    private static readonly JsonSerializerOptions ProblemJson = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Dictionary<string, object?> Problem(AppException ex, HttpContext context)
    {
        var problem = new Dictionary<string, object?>
        {
            ["type"] = $"https://httpstatuses.io/{ex.StatusCode}",
            ["title"] = ApiProblems.Describe(ex.StatusCode).Title,
            ["status"] = ex.StatusCode,
            ["detail"] = ex.Message,
            ["instance"] = context.Request.Path.Value,
        };
        if (ex is InputException input) problem["errors"] = input.Errors;
        if (ex is BusinessRuleException rule) problem["rule"] = rule.Rule;
        if (ex is ImportRejectedException import)
        {
            problem["total"] = import.Total;
            problem["errors"] = import.Errors.Select(e => new { line = e.Line, column = e.Column, reason = e.Reason, text = e.ToString() });
        }
        return problem;
    }
}

/// <summary>The Hangfire dashboard is for administrators only.</summary>
internal sealed class HangfireAdminFilter : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) =>
        context.GetHttpContext().User.IsInRole(nameof(Role.Admin));
}
