// CloudFront Function (runtime cloudfront-js-2.0), viewer-request, on every behavior that can reach WordPress and
// has no other viewer-request function (image-negotiation.js sets the same header on the image behaviors).
// Puts the viewer's address into X-Viewer-IP, replacing any value the viewer sent. The WAF's rate-based rule keys
// on this header: X-Forwarded-For cannot serve, since CloudFront appends to whatever the client sent and the WAF
// reads its first (client-controlled) entry.
function handler(event) {
    var request = event.request;
    request.headers['x-viewer-ip'] = { value: event.viewer.ip };
    return request;
}
