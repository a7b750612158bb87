using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Npgsql;
using Declaration.Host.Infrastructure;
using Hangfire;
using Hangfire.PostgreSql;

namespace Declaration.Host.Web;

/// <summary>The web host: pages, JSON API, reviewer/admin endpoints, Hangfire, the outbox relay.</summary>
public static class WebApp
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (ProductionGuard.Refuses(builder.Environment, builder.Configuration)) return ProductionGuard.ExitCode;
        await using var database = await DatabaseLocator.ResolveAsync(builder.Configuration, m => Console.Error.WriteLine(m));
        var app = Build(builder, database.ConnectionString);
        try { await Startup.MigrateAsync(app.Services, CancellationToken.None); }
        catch (Declaration.BuildingBlocks.Security.KeyMismatchException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return ProductionGuard.ExitCode;
        }
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var address in app.Urls) Console.WriteLine($"残疾人按比例就业情况联网认证（用人单位申报系统）已启动：{address}");
        });
        await app.RunAsync();
        return 0;
    }

    /// <summary>Builds the web application on a database; the tests call this with their own database.</summary>
    public static WebApplication Build(WebApplicationBuilder builder, string connectionString)
    {
        var services = builder.Services;
        services.AddTransient<ImportFileJob>();
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["urls"]) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS")))
            builder.WebHost.UseUrls(configuration["Declaration:Url"] ?? "http://127.0.0.1:5080");

        services.AddDeclarationCore(configuration, connectionString);
        services.AddHttpContextAccessor();
        services.AddSingleton<UnitPageCache>();
        services.AddDataProtection().SetApplicationName("Declaration");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
            o.XmlRepository = new PostgresXmlRepository(sp.GetRequiredService<NpgsqlDataSource>())));
        // Chinese text stays readable in the HTML (Razor encodes only what HTML needs).
        services.AddWebEncoders(o => o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.AddHostedService<Declaration.BuildingBlocks.Messaging.MessagingService>();
        Declaration.Notices.NoticesModule.AddNoticesBackgroundServices(services);
        services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/");
            foreach (var page in new[] { "/Account/Login", "/Account/Logout", "/Account/Sso", "/Account/Denied" })
                o.Conventions.AllowAnonymousToPage(page);
            o.Conventions.AllowAnonymousToPage("/Verify");
            o.Conventions.AllowAnonymousToPage("/Error");
            o.Conventions.AuthorizeFolder("/Review", Policies.Staff);
            o.Conventions.AuthorizeFolder("/Admin", Policies.Admin);
            o.Conventions.AuthorizeFolder("/Unit", Policies.Employer);
        });
        services.AddProblemDetails();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "decl.af";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.HeaderName = "RequestVerificationToken";
        });

        services.AddDeclarationAuthentication(configuration);
        services.AddDeclarationRateLimits(configuration);
        // Binding failures of the JSON API throw, so RequestErrorMiddleware answers them with a Chinese message.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Employer, p => p.RequireRole(nameof(Role.Employer)))
            .AddPolicy(Policies.Staff, p => p.RequireRole(nameof(Role.Reviewer), nameof(Role.Admin)))
            .AddPolicy(Policies.Admin, p => p.RequireRole(nameof(Role.Admin)));

        if (configuration.GetValue("Declaration:Hangfire:Enabled", true))
        {
            services.AddHangfire(cfg => cfg
                .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings()
                .UsePostgreSqlStorage(o => o.UseNpgsqlConnection(connectionString), new PostgreSqlStorageOptions
                {
                    SchemaName = "hangfire",
                    QueuePollInterval = TimeSpan.FromSeconds(configuration.GetValue("Declaration:Hangfire:PollSeconds", 5)),
                    PrepareSchemaIfNecessary = true,
                    // A job whose host died (kill -9, power loss) is picked up by another host after this long; the running host keeps
                    // its jobs fetched (sliding), so a long import or batch is never run twice at once.
                    InvisibilityTimeout = configuration.GetValue("Declaration:Hangfire:InvisibilityTimeout", TimeSpan.FromMinutes(5)),
                    UseSlidingInvisibilityTimeout = true,
                    DistributedLockTimeout = configuration.GetValue("Declaration:Hangfire:DistributedLockTimeout", TimeSpan.FromMinutes(10)),
                }));
            services.AddHangfireServer(o => o.WorkerCount = configuration.GetValue("Declaration:Hangfire:Workers", 2));
        }

        builder.AddOperations();
        var app = builder.Build();
        app.UseHostIdentityHeader(configuration);
        app.UseOperations();
        app.UseExceptionHandler("/Error");
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseStaticFiles();
        // Before routing, so a refused page request re-executes through routing to the error page with its status (403, 404, 409…).
        app.UseMiddleware<AppExceptionMiddleware>();
        app.UseMiddleware<EmptyErrorMiddleware>();
        app.UseMiddleware<RequestErrorMiddleware>();
        app.UseRouting();
        app.UseAuthentication();
        app.UseMiddleware<CurrentUserMiddleware>();
        app.UseMiddleware<MustChangePasswordMiddleware>();
        app.UseDeclarationRateLimits();
        app.UseMiddleware<ApiAntiforgeryMiddleware>();
        app.UseAuthorization();
        app.UseAntiforgery();
        if (configuration.GetValue("Declaration:Hangfire:Enabled", true))
        {
            app.UseHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [new HangfireAdminFilter()], AppPath = "/" });
            RecurringJobs.Register(app.Services, configuration);
        }
        app.MapRazorPages();
        Api.ApiEndpoints.MapApi(app);
        app.MapOperations();
        return app;
    }
}

public static class Policies
{
    public const string Employer = "Employer";
    public const string Staff = "Staff";
    public const string Admin = "Admin";
}
