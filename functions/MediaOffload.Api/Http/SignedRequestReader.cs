using MediaOffload.Api.Configuration;
using MediaOffload.Core.Signing;
using MediaOffload.Core.Sites;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Http;

/// <summary>
/// Reads a signed request's body under the size cap and checks its signature before anything parses it.
/// Neither the secret nor the presented signature is ever logged.
/// </summary>
public sealed class SignedRequestReader(IOptions<OffloadOptions> options, SiteDirectory sites, NonceStore nonces, TimeProvider clock, ILogger<SignedRequestReader> logger)
{
    private readonly OffloadOptions _options = options.Value;

    /// <summary>
    /// The verified body and who signed it (docs/status.md, "Sites and their secrets"), or the problem to answer with
    /// (401 or 413).
    /// </summary>
    public async Task<(byte[]? Body, ProblemHttpResult? Problem, Signer? Signer)> ReadAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var max = _options.MaxEventBytes;
        if (request.ContentLength > max)
        {
            return (null, TooLarge(max), null);
        }

        var body = await BoundedRead.ReadAsync(request.Body, max, cancellationToken);
        if (body is null)
        {
            return (null, TooLarge(max), null);
        }

        // The raw target is what the client signed: path and query exactly as sent, before any decoding.
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.Path + request.QueryString).ToString();
        var signature = request.Headers[RequestSigner.SignatureHeader].ToString();
        var check = RequestSigner.Verify(
            sites.Secrets,
            SigningAudience.Service,
            _options.AcceptSignatureV1,
            request.Headers[RequestSigner.TimestampHeader].ToString(),
            signature,
            request.Method,
            target,
            body,
            clock.GetUtcNow(),
            out var matched);
        if (check == SignatureCheck.Valid)
        {
            if (await nonces.TrySpendAsync(signature, cancellationToken))
            {
                return (body, null, sites.SignerAt(matched));
            }

            logger.LogWarning("Rejected {Method} {Path}: the signature was already used", request.Method, request.Path);
            return (null, TypedResults.Problem("This signature was already used: every signed request is accepted once (docs/signing.md).",
                statusCode: StatusCodes.Status401Unauthorized, title: "Signature already used"), null);
        }

        logger.LogWarning("Rejected {Method} {Path}: signature {Check}", request.Method, request.Path, check);
        var detail = check switch
        {
            SignatureCheck.Missing => $"The {RequestSigner.TimestampHeader} and {RequestSigner.SignatureHeader} headers are required.",
            SignatureCheck.Malformed => $"The signature headers are malformed; expected a Unix timestamp and v2=<hex>.",
            SignatureCheck.VersionRefused => "Signature version 1 is not accepted; sign with v2 (docs/signing.md).",
            SignatureCheck.Expired => $"The timestamp is more than {RequestSigner.AllowedSkew.TotalSeconds:0} seconds away from the server's clock.",
            _ => "The signature does not match the request.",
        };
        return (null, TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Signature missing, invalid or expired"), null);
    }

    private static ProblemHttpResult TooLarge(long max) =>
        TypedResults.Problem($"The body exceeds {max} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large");
}
