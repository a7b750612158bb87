using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.BuildingBlocks.Files;

public static class FileStorageRegistration
{
    /// <summary>
    /// Stored files (<c>Declaration:Files</c>): metadata in PostgreSQL, bytes in the store named by <c>Store</c> — the database
    /// (<see cref="DatabaseBlobStore"/>) unless another <see cref="IBlobStore"/> is registered and named there.
    /// </summary>
    public static IServiceCollection AddFileStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<FileStorageOptions>(configuration.GetSection("Declaration:Files"));
        services.AddScoped<IBlobStore, DatabaseBlobStore>();
        services.AddScoped<IFileStorage, FileStore>();
        services.AddScoped<IUploadStash, UploadStash>();
        services.AddSingleton<LegacyDiskFiles>();
        return services;
    }

    /// <summary>
    /// Start-up step after the migrations: checks the configured store exists and copies this host's legacy disk files in
    /// (returns how many).
    /// </summary>
    public static async Task<int> PrepareFileStorageAsync(this IServiceProvider services, CancellationToken ct)
    {
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FileStorageOptions>>().Value;
        await using (var scope = services.CreateAsyncScope())
        {
            var names = scope.ServiceProvider.GetServices<IBlobStore>().Select(s => s.Name).ToList();
            if (!names.Contains(options.Store, StringComparer.OrdinalIgnoreCase))
                throw new InvalidOperationException($"Declaration:Files:Store “{options.Store}”：没有这个名称的文件存储（可用：{string.Join("、", names)}）");
        }
        return await services.GetRequiredService<LegacyDiskFiles>().CopyAllAsync(ct);
    }
}
