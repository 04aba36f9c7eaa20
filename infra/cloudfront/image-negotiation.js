// CloudFront Function (runtime cloudfront-js-2.0) on the image cache behaviors, for both viewer events.
// viewer-request: serves a variant of a JPEG, PNG or GIF to clients whose Accept header names its type:
// <key>.avif before <key>.webp before the original, among the formats the stack writes (VariantFormats).
// A type counts only when named: image/* and */* do not (every browser sends them, AVIF- and WebP-capable or
// not), and a range whose q is not above 0 ("image/avif;q=0") refuses it.
// Only media under the offload prefix is rewritten: other images (themes, plugins) have no variant in S3 and
// would reach WordPress as a variant URL it cannot answer.
// It also sets X-Viewer-IP, as viewer-ip.js does: these behaviors fall back to WordPress through the origin group,
// the WAF in front of WordPress rate-limits on that header, and a behavior runs only one viewer-request function
// (docs/deploy.md, "Rate limiting behind CloudFront").
// viewer-response: adds Vary: Accept to every response at a negotiated URL, rewritten or not. CloudFront's own cache
// needs no Vary (the rewritten URI is its cache key), but browsers and shared caches below it see one URL whose
// bytes depend on Accept (docs/deploy.md, "Vary: Accept").
// serverless.template embeds this file verbatim inside Fn::Sub, which fills in the two placeholders below.
// Keep it free of any other dollar-brace sequence and of Node-only APIs.
var MEDIA_PREFIX = '/${KeyPrefix}/';
var ENABLED_FORMATS = '${VariantFormats}'.toLowerCase().split(',');
// Best first. A variant lives at <key>.<format> and is served as image/<format>.
var PREFERENCE = ['avif', 'webp'];
var IMAGE_EXTENSION = /\.(jpe?g|png|gif)$/i;
// A negotiated URL as the viewer sent it or as viewer-request rewrote it, whichever the response event carries.
var NEGOTIATED = /\.(jpe?g|png|gif)(\.(avif|webp))?$/i;

// A header's value, its repeats joined as HTTP joins them (CloudFront lists repeats in multiValue).
function headerValue(header) {
    if (!header) {
        return '';
    }
    if (header.multiValue && header.multiValue.length > 1) {
        return header.multiValue.map(function (h) { return h.value; }).join(',');
    }
    return header.value || '';
}

// Whether the Accept ranges name the media type with a q above 0. The first range naming it decides.
function accepts(ranges, type) {
    for (var i = 0; i < ranges.length; i++) {
        var parts = ranges[i].split(';');
        if (parts[0].trim() !== type) {
            continue;
        }
        for (var j = 1; j < parts.length; j++) {
            var param = parts[j].trim();
            if (param.indexOf('q=') === 0) {
                return parseFloat(param.substring(2)) > 0;
            }
        }
        return true;
    }
    return false;
}

// The variant format to serve, or null for the original.
function negotiate(headers) {
    var ranges = headerValue(headers.accept).toLowerCase().split(',');
    for (var i = 0; i < PREFERENCE.length; i++) {
        var format = PREFERENCE[i];
        if (ENABLED_FORMATS.indexOf(format) !== -1 && accepts(ranges, 'image/' + format)) {
            return format;
        }
    }
    return null;
}

function varyOnAccept(event) {
    var response = event.response;
    var uri = event.request.uri;
    if (uri.indexOf(MEDIA_PREFIX) !== 0 || !NEGOTIATED.test(uri)) {
        return response;
    }
    var vary = headerValue(response.headers.vary);
    var names = vary.toLowerCase().split(',');
    for (var i = 0; i < names.length; i++) {
        var name = names[i].trim();
        if (name === 'accept' || name === '*') {
            return response;
        }
    }
    response.headers.vary = { value: vary ? vary + ', Accept' : 'Accept' };
    return response;
}

function handler(event) {
    if (event.context.eventType === 'viewer-response') {
        return varyOnAccept(event);
    }
    var request = event.request;
    // The viewer's address, replacing any value the viewer sent.
    request.headers['x-viewer-ip'] = { value: event.viewer.ip };
    var uri = request.uri;
    if (uri.indexOf(MEDIA_PREFIX) === 0 && IMAGE_EXTENSION.test(uri)) {
        var format = negotiate(request.headers);
        if (format !== null) {
            // The query string lives in request.querystring and is left as it is.
            request.uri = uri + '.' + format;
        }
    }
    return request;
}
