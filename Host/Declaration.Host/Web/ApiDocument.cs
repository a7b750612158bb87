using System.Reflection;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Declaration.Host.Web;

/// <summary>
/// The OpenAPI document of <c>/api</c> (<c>/openapi/v1.json</c>, Microsoft.AspNetCore.OpenApi) and its reference page
/// (<c>/scalar</c>, Scalar, served from the package itself: no external script, font or proxy). Both are anonymous: they
/// describe the interface, and every endpoint still checks who asks. <c>Declaration:OpenApi:Enabled=false</c> removes both.
/// </summary>
internal static class ApiDocument
{
    public const string DocumentPath = "/openapi/{documentName}.json";
    public const string PagePath = "/scalar";

    private static readonly Dictionary<string, string> Tags = new(StringComparer.Ordinal)
    {
        ["UnitsApi"] = "单位 Units",
        ["PlacementApi"] = "申报人员 Placement",
        ["ReviewApi"] = "认证结果与人工审核 Review",
        ["SecurityApi"] = "安全 Security",
        ["AnnualReviewApi"] = "年审认证 AnnualReview",
        ["NoticesApi"] = "通知公告 Notices",
        ["LevyApi"] = "残保金测算 LevyCalculator",
    };

    private static bool Enabled(IConfiguration configuration) => configuration.GetValue("Declaration:OpenApi:Enabled", true);

    public static void AddApiDocument(this IServiceCollection services) =>
        services.AddOpenApi("v1", o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "残疾人按比例就业情况联网认证（用人单位申报系统）API",
                    Version = "v1",
                    Description = """
                        用人单位申报、残联审核、年审认证与通知公告的 JSON 接口。

                        - 身份：先在 `/Account/Login` 登录，接口使用登录 Cookie（`decl.auth`）；每个接口都核对单位与辖区权限。
                        - 错误：所有错误均为 `application/problem+json`（RFC 9457），`title`、`detail` 为中文；400 带字段错误 `errors`，409 表示数据已被他人修改。
                        - 个人信息：身份证号默认脱敏显示，完整查看会记入审计日志。
                        """,
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["cookie"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Cookie,
                    Name = "decl.auth",
                    Description = "登录后由 /Account/Login 设置的身份 Cookie",
                };
                // The document's tag list: the modules, not the assembly's default tag.
                document.Tags = new HashSet<OpenApiTag>(Tags.Values.Order(StringComparer.Ordinal).Select(t => new OpenApiTag { Name = t }));
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("cookie", document)] = [] });
                return Task.CompletedTask;
            });
            // Group the operations by the module whose API class maps them.
            o.AddOperationTransformer((operation, context, _) =>
            {
                var handler = context.Description.ActionDescriptor.EndpointMetadata.OfType<MethodInfo>().FirstOrDefault();
                var type = handler?.DeclaringType;
                while (type?.DeclaringType is not null) type = type.DeclaringType;
                if (type is not null)
                    operation.Tags = new HashSet<OpenApiTagReference> { new(Tags.GetValueOrDefault(type.Name, type.Name.Replace("Api", string.Empty, StringComparison.Ordinal))) };
                return Task.CompletedTask;
            });
        });

    public static void MapApiDocument(this WebApplication app)
    {
        if (!Enabled(app.Configuration)) return;
        app.MapOpenApi(DocumentPath).AllowAnonymous();
        app.MapScalarApiReference(PagePath, o => o
            .WithTitle("申报系统 API 文档")
            .WithOpenApiRoutePattern(DocumentPath)
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp()
            .HideDeveloperTools()
            .WithNonce())
            .AllowAnonymous();
    }

    /// <summary>
    /// The reference page starts Scalar with one inline module script: the strict Content-Security-Policy of every other
    /// response is kept there, plus that one script's per-request nonce (and inline styles, which Scalar's components set).
    /// </summary>
    public static void UseApiDocumentPage(this WebApplication app)
    {
        if (!Enabled(app.Configuration)) return;
        app.UseWhen(ctx => ctx.Request.Path.StartsWithSegments(PagePath), branch => branch.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var nonce = context.Items.TryGetValue(ScalarOptions.NonceHttpContextItemKey, out var n) ? n as string : null;
                context.Response.Headers.ContentSecurityPolicy =
                    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; connect-src 'self'; " +
                    $"script-src 'self'{(nonce is null ? string.Empty : $" 'nonce-{nonce}'")}; frame-ancestors 'none'; form-action 'self'; base-uri 'self'";
                return Task.CompletedTask;
            });
            return next(context);
        }));
    }
}
