using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Hosting;
using Declaration.BuildingBlocks.Messaging;
using FluentValidation;
using MassTransit;

namespace Declaration.Host.Infrastructure;

/// <summary>The composition root shared by the web host, the command line and the tests.</summary>
public static class Composition
{
    public static IServiceCollection AddDeclarationCore(this IServiceCollection services, IConfiguration configuration, string connectionString)
    {
        services.AddBuildingBlocks(configuration, connectionString);
        services.PostConfigure<Declaration.BuildingBlocks.Files.FileStorageOptions>(o =>
        {
            if (string.IsNullOrWhiteSpace(configuration["Declaration:Files:Root"]))
                o.Root = Path.Combine(configuration["Declaration:DataDir"] ?? Path.Combine(Directory.GetCurrentDirectory(), ".data"), "files");
        });
        services.AddModules(configuration);
        services.AddScoped<CurrentUserHolder>();
        services.AddScoped<ICurrentUser>(sp => sp.GetRequiredService<CurrentUserHolder>().User);

        services.AddMediator((Mediator.MediatorOptions options) =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            // Every assembly holding messages or handlers: a module adds its two here when it gains its first request.
            options.Assemblies =
            [
                typeof(Units.UnitsModule), typeof(Units.Contracts.UnitsContractsMarker),
                typeof(Placement.PlacementModule), typeof(Placement.Contracts.PlacementContractsMarker),
                typeof(LevyCalculator.LevyCalculatorModule), typeof(LevyCalculator.Contracts.LevyCalculatorContractsMarker),
                typeof(AnnualReview.AnnualReviewModule), typeof(AnnualReview.Contracts.AnnualReviewContractsMarker),
                typeof(Certification.CertificationModule), typeof(Certification.Contracts.CertificationContractsMarker),
                typeof(Notices.NoticesModule), typeof(Notices.Contracts.NoticesContractsMarker),
            ];
            options.PipelineBehaviors =
            [
                typeof(LoggingBehaviour<,>),
                typeof(CallerBehaviour<,>),
                typeof(InputTextBehaviour<,>),
                typeof(ValidationBehaviour<,>),
                typeof(ExportAuditBehaviour<,>),
                typeof(TransactionBehaviour<,>),
            ];
        });
        foreach (var module in DeclarationModules.All)
            services.AddValidatorsFromAssembly(module.Assembly, ServiceLifetime.Scoped, includeInternalTypes: true);
        // A rule written without its own message still answers in Chinese (FluentValidation's built-in translations).
        ValidatorOptions.Global.LanguageManager.Culture = new System.Globalization.CultureInfo("zh-CN");

        AddBus(services, configuration);
        return services;
    }

    /// <summary>MassTransit: the in-memory transport in one process, RabbitMQ when configured (competing consumers across hosts).</summary>
    private static void AddBus(IServiceCollection services, IConfiguration configuration)
    {
        var subscriptions = services.Where(d => d.ServiceType == typeof(IntegrationEventSubscription) && d.ImplementationInstance is not null)
            .Select(d => (IntegrationEventSubscription)d.ImplementationInstance!).ToList();
        var rabbit = configuration["Declaration:RabbitMq:Host"];
        services.AddMassTransit(bus =>
        {
            foreach (var s in subscriptions) bus.AddConsumer(s.ConsumerType);
            if (string.IsNullOrWhiteSpace(rabbit))
            {
                bus.UsingInMemory((context, cfg) =>
                {
                    foreach (var s in subscriptions)
                        cfg.ReceiveEndpoint(EndpointName(s), e => e.ConfigureConsumer(context, s.ConsumerType));
                });
            }
            else
            {
                bus.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(rabbit, ushort.TryParse(configuration["Declaration:RabbitMq:Port"], out var port) ? port : (ushort)5672, "/", h =>
                    {
                        h.Username(configuration["Declaration:RabbitMq:User"] ?? "guest");
                        h.Password(configuration["Declaration:RabbitMq:Password"] ?? "guest");
                    });
                    foreach (var s in subscriptions)
                        cfg.ReceiveEndpoint(EndpointName(s), e => e.ConfigureConsumer(context, s.ConsumerType));
                });
            }
        });
    }

    private static string EndpointName(IntegrationEventSubscription s) => $"{s.Schema}.{s.HandlerType.Name}";
}
