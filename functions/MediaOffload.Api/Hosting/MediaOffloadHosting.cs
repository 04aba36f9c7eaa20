using Amazon.S3;
using MediaOffload.Api.Configuration;
using MediaOffload.Api.Http;
using MediaOffload.Api.Json;
using MediaOffload.Api.Notifications;
using MediaOffload.Api.Offload;
using MediaOffload.Api.Origin;
using MediaOffload.Api.Reconcile;
using MediaOffload.Api.RemoteCopies;
using MediaOffload.Core.Events;
using MediaOffload.Core.Json;
using MediaOffload.Core.Media;
using MediaOffload.Core.Origins;
using MediaOffload.Core.Paths;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;
using MediaOffload.Imaging;
using MediaOffload.Api.Variants;
using MediaOffload.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Hosting;

/// <summary>Wires the app that every function role runs, locally on Kestrel and on Lambda behind the Web Adapter.</summary>
public static class MediaOffloadHosting
{
    public static WebApplicationBuilder AddMediaOffload(this WebApplicationBuilder builder)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_NAME")))
        {
            // CloudWatch Logs Insights reads JSON lines as fields.
            builder.Logging.ClearProviders().AddJsonConsole();
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // No body may be larger than the largest an endpoint takes: 30 MB is Kestrel's default, far more than any
            // event; each endpoint then caps its own (docs/deploy.md).
            kestrel.Limits.MaxRequestBodySize = Math.Max(S3EventsApi.MaxEventBodyBytes, builder.Configuration.GetValue<long?>($"{OffloadOptions.SectionName}:MaxEventBytes") ?? new OffloadOptions().MaxEventBytes);
        });
        var services = builder.Services;
        services.AddProblemDetails();
        // Minimal-API answers use the generated metadata first (no reflection, so the app can be trimmed); the
        // chain keeps ASP.NET Core's own resolvers after them for ProblemDetails.
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
            json.SerializerOptions.TypeInfoResolverChain.Insert(1, CoreJsonContext.Default);
        });
        services.AddOptions<OffloadOptions>().BindConfiguration(OffloadOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OffloadOptions>, OffloadOptionsValidator>();
        services.AddSingleton(TimeProvider.System);

        services.AddSingleton<IAmazonS3>(sp => S3ClientFactory.Create(Options(sp).S3));
        services.AddSingleton(sp => new S3ObjectStore(sp.GetRequiredService<IAmazonS3>(), Options(sp).S3));
        services.AddSingleton<IObjectStore>(sp => Options(sp).S3.IsLocal
            ? new NotifyingObjectStore(sp.GetRequiredService<S3ObjectStore>(), sp.GetRequiredService<LocalNotificationQueue>(), new S3StoreLimits(Options(sp).S3.PartSizeBytes))
            : sp.GetRequiredService<S3ObjectStore>());

        services.AddSingleton(sp => new CachePolicy(Options(sp).CacheControl));
        services.AddSingleton(sp => new UploadsLocations(Options(sp).SiteUrls, Options(sp).UploadsUrls));
        services.AddSingleton(sp =>
        {
            var o = Options(sp);
            return new EventRules(new MediaKeys(o.KeyPrefix), sp.GetRequiredService<CachePolicy>(), new OriginAllowlist(o.SiteUrls, o.AllowHttp),
                sp.GetRequiredService<UploadsLocations>(), o.MaxFileBytes, o.MaxFilesPerEvent);
        });
        services.AddSingleton(sp => Options(sp).BuildSites());
        services.AddSingleton<SignedRequestReader>();
        services.AddSingleton<NonceStore>();
        services.AddSingleton<EventBodyReader>();
        services.TryAddSingleton<IHostResolver, DnsHostResolver>();
        services.AddSingleton<OriginClient>();
        services.AddSingleton<ManifestClient>();
        services.AddSingleton<MediaStores>();
        services.AddSingleton<ReconcileRunner>();
        services.AddSingleton<ReconcileEventHandler>();
        services.AddSingleton<IS3EventHandler>(sp => sp.GetRequiredService<ReconcileEventHandler>());
        services.AddSingleton<FileOffloader>();
        services.AddSingleton<OffloadWorker>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<JobStatusReader>();
        services.AddSingleton<RemoteCopyService>();
        services.AddSingleton<S3EventProcessor>();
        services.AddSingleton<OffloadEventHandler>();
        services.AddSingleton<IS3EventHandler>(sp => sp.GetRequiredService<OffloadEventHandler>());
        services.AddVariants();
        services.AddSingleton<LocalNotificationQueue>();
        services.AddSingleton<LocalNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<LocalNotifier>());
        return builder;
    }

    /// <summary>
    /// Maps the routes of this process's <see cref="FunctionRole"/> only. An unknown or missing role maps none, and
    /// start-up validation then stops the process with a message that names <c>Offload:Role</c>.
    /// </summary>
    public static WebApplication MapMediaOffload(this WebApplication app)
    {
        var role = FunctionRoles.Parse(app.Configuration[$"{OffloadOptions.SectionName}:Role"]);
        app.UseExceptionHandler();
        app.UseCanonicalTargets();
        app.UseRouting();
        app.UseStatusCodePages();
        app.MapHealthApi();
        if (role is FunctionRole.Api or FunctionRole.Local)
        {
            app.MapEventsApi();
            app.MapBackfillApi();
            app.MapStatusApi();
            app.MapRemoteCopiesApi();
        }

        if (role is FunctionRole.Offload or FunctionRole.Local)
        {
            app.MapOffloadEventsApi();
        }

        if (role is FunctionRole.Variants or FunctionRole.Local)
        {
            app.MapVariantsEventsApi();
        }

        if (role is FunctionRole.Reconcile or FunctionRole.Local)
        {
            app.MapReconcileEventsApi();
        }

        return app;
    }

    private static IServiceCollection AddVariants(this IServiceCollection services)
    {
        services.AddOptions<VariantOptions>().BindConfiguration(VariantOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<VariantOptions>>(new SectionValidator<VariantOptions>(VariantOptions.SectionName, o => o.Validate()));
        services.AddOptions<ImagingOptions>().BindConfiguration(ImagingSection).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ImagingOptions>>(new SectionValidator<ImagingOptions>(ImagingSection, o => o.Validate()));
        // libvips is loaded once, at start, so a missing libvips42 fails the process with a clear message.
        services.AddHostedService<LibvipsStartup>();
        services.AddSingleton<IVariantEncoder>(sp => new LibvipsVariantEncoder(sp.GetRequiredService<IOptions<VariantOptions>>().Value));
        services.AddSingleton(sp => new MemoryBudget(Options(sp).ResolveMemoryBudgetBytes(Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))));
        services.AddSingleton<VariantRejections>();
        services.AddSingleton<VariantWriter>();
        services.AddSingleton<VariantsEventHandler>();
        services.AddSingleton<IS3EventHandler>(sp => sp.GetRequiredService<VariantsEventHandler>());
        return services;
    }

    private const string ImagingSection = "Offload:Imaging";

    private sealed class LibvipsStartup(IOptions<ImagingOptions> options) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            LibvipsRuntime.EnsureInitialized(options.Value);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static OffloadOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<OffloadOptions>>().Value;
}
