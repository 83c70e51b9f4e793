# The SCO Chairmanship Archive behind Varnish (7.x, with the xkey vmod from varnish-modules).
#
# Anonymous GET and HEAD answers are kept for as long as the app's Cache-Control allows shared caches
# (s-maxage; browsers get max-age=0 and revalidate here), under the cache tags the app lists in its xkey
# header. The app sends PURGE with an xkey-purge header once a change is committed (CACHE_PURGE_URL), which
# evicts every page carrying any of those tags. Signed-in editors (a session cookie), token clients
# (Authorization), the admin, previews and every write go straight to the app.
#
# This file is used as it is; what differs between sites (where the app servers are, who may purge) lives in
# archive-site.vcl, found through vcl_path (/etc/varnish by default). See the README, "Deploying behind a
# CDN or Varnish".
vcl 4.1;

import std;
import xkey;

include "archive-site.vcl";

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ archive_purgers) {
            return (synth(403, "Purging is not allowed from this address"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "PURGE needs an xkey-purge header listing cache tags"));
        }
        # A hard purge: the pages are gone, not kept as stale copies to serve during a refetch.
        set req.http.X-Purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.X-Purged));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization || req.url ~ "^/(admin|preview)(/|$)") {
        return (pass);
    }
    # The session cookie marks a signed-in editor (the app's own page cache draws the same line).
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Any other cookie means nothing to an anonymous read; without it every reader shares one copy.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_hash {
    # Pages print absolute links, so http and https answers differ behind a TLS terminator.
    hash_data(req.http.X-Forwarded-Proto);
    # Varnish's built-in vcl_hash then adds the address and the host.
}

sub vcl_backend_response {
    # Only what the app marked for shared caches is kept (s-maxage on pages, public on static files); an
    # answer without a lifetime is never kept for Varnish's default two minutes.
    if (beresp.http.Cache-Control !~ "(s-maxage|public)") {
        set beresp.ttl = 120s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    if (beresp.http.Cache-Control ~ "stale-while-revalidate=[0-9]+") {
        set beresp.grace = std.duration(
            regsub(beresp.http.Cache-Control, "^.*stale-while-revalidate=([0-9]+).*$", "\1s"), 0s);
    } else {
        set beresp.grace = 0s;
    }
    # Varnish's built-in rules follow: a cookie, private, no-store or no-cache is never kept.
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    # The tags are for this cache; readers have no use for them.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
}

sub vcl_synth {
    if (req.method == "PURGE") {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        if (req.http.X-Purged) {
            set resp.http.X-Purged = req.http.X-Purged;
        }
        set resp.body = resp.reason + {"
"};
        return (deliver);
    }
}
