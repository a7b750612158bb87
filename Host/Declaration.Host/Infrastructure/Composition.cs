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

    /// <summary>
    /// Without a broker, events travel from the outboxes to the subscribers' inboxes inside PostgreSQL (BuildingBlocks'
    /// database transport). With <c>Declaration:RabbitMq:Host</c>, MassTransit on RabbitMQ carries them: publisher confirms,
    /// durable queues (one per handler: competing consumers across hosts), retries of the receiving side.
    /// </summary>
    private static void AddBus(IServiceCollection services, IConfiguration configuration)
    {
        var rabbit = configuration.GetSection("Declaration:RabbitMq");
        if (string.IsNullOrWhiteSpace(rabbit["Host"])) return;
        var subscriptions = services.Where(d => d.ServiceType == typeof(IntegrationEventSubscription) && d.ImplementationInstance is not null)
            .Select(d => (IntegrationEventSubscription)d.ImplementationInstance!).ToList();
        services.UseBrokerTransport();
        services.AddMassTransit(bus =>
        {
            foreach (var s in subscriptions) bus.AddConsumer(s.ReceiverType);
            bus.UsingRabbitMq((context, cfg) =>
            {
                var host = rabbit["Host"]!;
                cfg.Host(host, rabbit.GetValue<ushort?>("Port") ?? 5672, rabbit["VirtualHost"] ?? "/", h =>
                {
                    h.Username(rabbit["User"] ?? "guest");
                    h.Password(rabbit["Password"] ?? "guest");
                    h.PublisherConfirmation = true;
                    if (rabbit.GetValue("UseTls", false))
                        h.UseSsl(ssl =>
                        {
                            ssl.Protocol = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;
                            ssl.ServerName = rabbit["TlsServerName"] ?? host;
                        });
                });
                // The receiving side only stores the message in the handler's inbox: a retry outlasts a PostgreSQL restart.
                cfg.UseMessageRetry(r => r.Exponential(12, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(2)));
                foreach (var s in subscriptions)
                    cfg.ReceiveEndpoint(s.QueueName, e =>
                    {
                        e.Durable = true;
                        e.ConfigureConsumer(context, s.ReceiverType);
                    });
            });
        });
    }
}
