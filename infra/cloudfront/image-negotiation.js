// CloudFront Function (runtime cloudfront-js-2.0), viewer-request, on the image cache behaviors.
// Serves the WebP variant <key>.webp to clients whose Accept header allows image/webp.
// Only media under the offload prefix is rewritten: other images (themes, plugins) have no variant in S3 and
// would reach WordPress as a .webp URL it cannot answer.
// It also sets X-Viewer-IP, as viewer-ip.js does: these behaviors fall back to WordPress through the origin group,
// the WAF in front of WordPress rate-limits on that header, and a behavior runs only one viewer-request function
// (docs/deploy.md, "Rate limiting behind CloudFront").
// serverless.template embeds this file verbatim inside Fn::Sub, which fills in the prefix below.
// Keep it free of any other dollar-brace sequence and of Node-only APIs.
var MEDIA_PREFIX = '/${KeyPrefix}/';
var IMAGE_EXTENSION = /\.(jpe?g|png|gif)$/i;

function acceptsWebp(headers) {
    var accept = headers.accept;
    if (!accept || !accept.value) {
        return false;
    }
    var ranges = accept.value.toLowerCase().split(',');
    for (var i = 0; i < ranges.length; i++) {
        var parts = ranges[i].split(';');
        if (parts[0].trim() !== 'image/webp') {
            continue;
        }
        for (var j = 1; j < parts.length; j++) {
            var param = parts[j].trim();
            if (param.indexOf('q=') === 0 && parseFloat(param.substring(2)) === 0) {
                return false; // "image/webp;q=0" means: never send me WebP.
            }
        }
        return true;
    }
    return false;
}

function handler(event) {
    var request = event.request;
    // The viewer's address, replacing any value the viewer sent.
    request.headers['x-viewer-ip'] = { value: event.viewer.ip };
    var uri = request.uri;
    if (uri.indexOf(MEDIA_PREFIX) === 0 && IMAGE_EXTENSION.test(uri) && acceptsWebp(request.headers)) {
        // The query string lives in request.querystring and is left as it is.
        request.uri = uri + '.webp';
    }
    return request;
}
