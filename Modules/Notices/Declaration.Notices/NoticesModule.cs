using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Certification.Contracts;
using Declaration.Notices.Contracts;
using Declaration.Notices.Domain;
using Declaration.Notices.Features.Notices;
using Declaration.Notices.Features.Sms;
using Declaration.Notices.Infrastructure;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Notices;

/// <summary>
/// Notices owns announcements (通知公告: publish, search, read marks) and SMS notifications to units' contacts (短信通知:
/// a queue in its schema delivered to a gateway), and composes the unit's home dashboard from the other modules' Contracts.
/// It offers GetLatestNotices and publishes NoticePublished.
/// </summary>
public static class NoticesModule
{
    public static ModuleDescriptor Descriptor { get; } =
        new("Notices", "notices", typeof(NoticesModule).Assembly, typeof(Contracts.NoticesContractsMarker).Assembly);

    public static IServiceCollection AddNoticesModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        services.Configure<SmsOptions>(configuration.GetSection("Declaration:Sms"));
        services.AddScoped<NoticeAudienceResolver>();
        services.AddSingleton<NoticeListingCache>();
        services.AddScoped<NoticeStore>();
        services.AddScoped<NoticeAnnouncer>();
        services.AddScoped<SmsQueue>();
        services.AddScoped<SmsDispatcher>();
        services.AddHttpClient(HttpSmsGateway.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        if (string.IsNullOrWhiteSpace(configuration["Declaration:Sms:Gateway:Url"]))
            services.AddScoped<ISmsGateway, LocalSinkGateway>();
        else
        {
            services.AddSingleton<HttpSmsGateway>();
            services.AddScoped<ISmsGateway>(sp => sp.GetRequiredService<HttpSmsGateway>());
        }
        services.AddIntegrationEventHandler<UnitProfileChanged, UnitContactProjection>("notices");
        services.AddIntegrationEventHandler<PlacementReturned, PlacementReturnedSms>("notices");
        services.AddIntegrationEventHandler<DisputeDecided, DisputeDecidedSms>("notices");
        services.AddIntegrationEventHandler<CertificateExpiring, CertificateExpiringSms>("notices");
        services.AddIntegrationEventHandler<CertificationResultChanged, CertificationResultChangedSms>("notices");
        services.AddIntegrationEventHandler<AnnualCertificationCompleted, AnnualCertificationCompletedSms>("notices");
        services.AddIntegrationEventHandler<ReopenRequestDecided, ReopenRequestDecidedSms>("notices");
        services.AddIntegrationEventHandler<NoticePublished, NoticePublishedSms>("notices");
        services.AddScoped<IDemoDataSeeder, NoticesDemoData>();
        return services;
    }

    /// <summary>The background SMS sender (and announcer of scheduled notices): added by the web host, not by tests or the CLI.</summary>
    public static IServiceCollection AddNoticesBackgroundServices(this IServiceCollection services) =>
        services.AddHostedService<SmsSenderService>();
}
