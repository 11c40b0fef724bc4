using PxFunctions.Channels.Acs;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Inbound;
using PxFunctions.Channels.Links;
using PxFunctions.Configuration;
using PxFunctions.Journeys.Durable;
using PxFunctions.Storage;

namespace PxFunctions.Channels;

/// <summary>Wires the channels: ACS or the dev outbox behind one port, the compliance rules, the journeys' messenger, texts and records.</summary>
public static class ChannelRegistration
{
    public static IServiceCollection AddPxChannels(this IServiceCollection services, ChannelSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(Dispatch(settings));
        services.AddSingleton(new QuietHours(settings.QuietHours));
        services.AddSingleton<SendRules>();
        services.AddSingleton(new LinkSigner(settings.LinkKey));
        services.AddSingleton(sp => new ReferralLinks(Table(sp, ReferralLinks.TableName), settings.LinkKey, settings.PublicBaseUrl));
        services.AddSingleton(sp => new AddressHasher(settings.HashKey, settings.HashKey is null ? Table(sp, AddressHasher.TableName) : null));
        services.AddSingleton(sp => new ConsentLedger(Table(sp, ConsentLedger.TableName), sp.GetRequiredService<AddressHasher>()));
        services.AddSingleton(sp => new MessageLog(Table(sp, MessageLog.TableName), Table(sp, MessageLog.IndexTableName)));
        services.AddSingleton(sp => new Conversations(Table(sp, Conversations.TableName), sp.GetRequiredService<AddressHasher>()));
        services.AddSingleton(sp => new CustomerRecords(Table(sp, CustomerRecords.TableName)));
        services.AddSingleton(sp => new JourneyTexts(Table(sp, JourneyTexts.TableName)));
        services.AddSingleton(sp => new Chat.ChatTranscript(Table(sp, Chat.ChatTranscript.TableName)));
        services.AddSingleton(sp => new Chat.ChatTokens(sp.GetRequiredService<LinkSigner>(), settings.PublicBaseUrl, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Chat.ChatRateLimiter>();
        services.AddSingleton<IReplyStore>(sp => sp.GetRequiredService<JourneyTexts>());
        services.AddSingleton(sp => new Metrics.MetricsStore(Table(sp, Metrics.MetricsStore.TableName)));
        services.AddSingleton<CustomerMessageSender>();
        services.AddSingleton<IJourneyMessenger, JourneyMessenger>();
        services.AddSingleton<ITeamRecords, JourneyTeamRecords>();
        services.AddSingleton<IJourneyProgress, Metrics.JourneyProgressMetrics>();
        services.AddSingleton<ReplyRouter>();
        services.AddSingleton<InboundSmsHandler>();
        services.AddSingleton<InboundWhatsAppHandler>();
        services.AddSingleton<AcsEventProcessor>();
        foreach (var table in new[] { JourneyTexts.TableName, ConsentLedger.TableName, MessageLog.TableName, MessageLog.IndexTableName, Conversations.TableName, CustomerRecords.TableName, UsedLinks.TableName, Metrics.MetricsStore.TableName, ReferralLinks.TableName, Chat.ChatTranscript.TableName })
        {
            services.AddStorageResource(StorageResource.Table(table));
        }

        services.AddSingleton(sp => new UsedLinks(Table(sp, UsedLinks.TableName)));
        if (settings.UsesAcs)
        {
            services.AddSingleton<IMessageChannel>(sp =>
            {
                var time = sp.GetRequiredService<TimeProvider>();
                var endpoint = settings.AcsConnection?.Endpoint ?? settings.AcsEndpoint!;
                var credential = settings.AcsConnection is null ? sp.GetRequiredService<StorageAccount>().Credential() : null;
                var pipeline = AcsPipeline.Build(new AcsClientOptions(), settings.AcsConnection?.AccessKey, credential, time);
                return new AcsChannel(
                    new AcsSmsClient(endpoint, pipeline),
                    new AcsEmailClient(endpoint, pipeline, time),
                    new AcsSenders(settings.SmsFrom ?? "", settings.EmailFrom ?? "", settings.EmailReplyTo, settings.WhatsAppChannelId),
                    settings.WhatsAppChannelId is null ? null : new AcsWhatsAppClient(endpoint, pipeline));
            });
        }
        else
        {
            services.AddStorageResource(StorageResource.Table(DevOutboxChannel.TableName));
            services.AddSingleton(sp => new DevOutboxChannel(Table(sp, DevOutboxChannel.TableName), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DevOutboxChannel>>()));
            services.AddSingleton<IMessageChannel>(sp => sp.GetRequiredService<DevOutboxChannel>());
        }

        return services;
    }

    /// <summary>The dispatcher's settings from the app's (the live sender and the simulation share them).</summary>
    public static DispatchSettings Dispatch(ChannelSettings settings) => new()
    {
        PublicBaseUrl = settings.PublicBaseUrl,
        Brand = settings.Brand,
        Cap = settings.Cap,
        SendLease = settings.SendLease,
    };

    /// <summary>The send rules as the app builds them: quiet hours narrowed by the brand's window, the cap, the longest hold.</summary>
    public static SendRules Rules(ChannelSettings settings) => new(new QuietHours(settings.QuietHours), Dispatch(settings));

    private static Azure.Data.Tables.TableClient Table(IServiceProvider sp, string name) => sp.GetRequiredService<StorageAccount>().Table(name);
}

/// <summary>Nonces of answer and unsubscribe links already used (table <c>UsedLinks</c>): a link acts once.</summary>
public sealed class UsedLinks(Azure.Data.Tables.TableClient table)
{
    public const string TableName = "UsedLinks";

    /// <summary>True the first time a nonce is used; false ever after.</summary>
    public async Task<bool> TryUseAsync(string nonce, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(nonce)));
        try
        {
            await table.AddEntityAsync(new Azure.Data.Tables.TableEntity(key[..2], key) { ["At"] = at }, cancellationToken);
            return true;
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }
}
