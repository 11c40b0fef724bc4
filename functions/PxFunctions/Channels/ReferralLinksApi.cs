using Azure;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Links;
using PxFunctions.Channels.Metrics;
using PxFunctions.Http;

namespace PxFunctions.Channels;

/// <summary>
/// <c>GET /api/ref/{token}</c>: a customer's referral link (<c>links.referral</c>), opened by whoever they shared it
/// with. It leads (302) to the brand's store (<c>Px__Brand__StoreUrl</c>, else the referring order's shop) with
/// <c>px_ref={token}</c>, and counts <c>referrals_clicked</c> once per link and UTC day. A token that was never
/// issued is a 404 problem and counts nothing. The click is counted after the redirect is decided and never stops it.
/// </summary>
public static class ReferralLinksApi
{
    public static IEndpointRouteBuilder MapReferralLinksApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/ref/{token}", OpenAsync).WithName("ReferralLink").AllowAnonymousFunction();
        return endpoints;
    }

    private static async Task<IResult> OpenAsync(string token, ReferralLinks referrals, MetricsStore metrics, BrandSettings brand, TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        if (await referrals.FindAsync(token, ct) is not { } referral)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "No such referral link.", "token: this link was not issued by the store, or it is incomplete.", "token");
        }

        var now = time.GetUtcNow();
        var day = now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            await metrics.RecordAsync(MetricEvent.One($"refclick:{referral.Token}:{day}", now, referral.JourneyId, "referrals_clicked"), ct);
        }
        catch (RequestFailedException ex)
        {
            // The visitor still reaches the store; a click not counted is the lesser loss.
            loggers.CreateLogger("PxFunctions.Referrals").LogWarning(ex, "A click on referral link of {InstanceId} was not counted", referral.InstanceId);
        }

        return Results.Redirect(StoreAddress(brand.StoreUrl, referral.Shop, referral.Token));
    }

    /// <summary>The store's address with the referral code added to whatever query it has.</summary>
    public static string StoreAddress(Uri? storeUrl, string shop, string token)
    {
        var store = new UriBuilder(storeUrl ?? new Uri("https://" + shop));
        var code = ReferralLinks.CodeParameter + "=" + Uri.EscapeDataString(token);
        store.Query = string.IsNullOrEmpty(store.Query) || store.Query == "?" ? code : store.Query.TrimStart('?') + "&" + code;
        return store.Uri.ToString();
    }
}
