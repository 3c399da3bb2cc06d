vcl 4.1;
# Varnish in front of the web nodes (docs/deployment.md, docs/decisions.md "Varnish").
#
# What is cached: anonymous GET/HEAD of readers' pages, feeds, sitemaps (and WhiteNoise's
# static files), for as long as the application's Cache-Control allows shared caches
# (s-maxage). Everything else goes to a web node every time: the desk, previews, POSTs,
# anyone with a session or CSRF cookie, Authorization. Responses name what they show in
# Surrogate-Key; a change purges exactly those keys (PURGE with xkey-purge, from
# newsroom/purge.py). While every web node is sick, copies are served for up to a day.
#
# The web nodes, the probe and who may purge are not written here: run.sh generates
# site.vcl from VARNISH_BACKENDS and VARNISH_PURGERS, so each deployment (and each test)
# names its own.

import directors;
import std;
import var;
import xkey;

include "site.vcl";  # backends, their probe, `acl purgers`, `sub vcl_init` adding them, `sub web_after_failure`

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge !~ "[^ ,]") {
            return (synth(400, "PURGE needs an xkey-purge header"));
        }
        # Remember when the last purge came (on Varnish's own clock): a fetch that began
        # before it may carry what the purge was meant to remove, so vcl_backend_response
        # does not keep it. Set before purging, so no fetch can slip in between.
        var.global_set("purged_at", "" + std.time2real(now, 0.0));
        # A hard purge, not a soft one: a softpurged copy stays in grace and would be served
        # to the next reader while the new one is fetched (stale after the purge). Outages
        # do not need the purged copies: nothing can change while the database is down.
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone));
    }

    set req.backend_hint = web.backend();

    # Only GET and HEAD are ever cached; nothing unusual is tunnelled either.
    if (req.method != "GET" && req.method != "HEAD") {
        if (req.method ~ "^(POST|PUT|PATCH|DELETE|OPTIONS)$") {
            return (pass);
        }
        return (synth(405));
    }

    # The read beacon of article pages (articles/reads.py): every view must reach a web
    # node, or a page served from here would never be counted. Never cached, and sent
    # without cookies: the count needs none.
    if (req.url ~ "^/r/[0-9]+\.gif$") {
        unset req.http.Cookie;
        return (pass);
    }

    # Tracking parameters change nothing on the page: one copy for every campaign. The
    # backend does not see them either (analytics run in the reader's browser).
    set req.url = regsuball(req.url, "(?<=[?&])(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|yclid|igshid|twclid|ttclid|_ga|_gl)(=[^&]*)?(&|$)", "");
    set req.url = regsub(req.url, "[?&]+$", "");
    # ?b=2&a=1 and ?a=1&b=2 are one page.
    set req.url = std.querysort(req.url);

    # The desk, previews (a signed link to a draft) and the health check: never from here.
    if (req.url ~ "^/(admin|preview)/" || req.url ~ "^/healthz") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    # Django's session and CSRF cookies (settings.SESSION_COOKIE_NAME, CSRF_COOKIE_NAME;
    # tests/site/test_varnish.py fails if they are renamed): possibly someone from the desk,
    # who must see their own pages, never a shared copy.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|csrftoken)=") {
        return (pass);
    }
    # Any other cookie (analytics, consent banners) means nothing to the application: drop
    # it so the reader shares the cached copy.
    unset req.http.Cookie;

    # While a web node is healthy, an expired copy is served for at most 10 s while it is
    # refetched in the background (stale-while-revalidate), so a page's expiry never makes
    # its readers wait and expiries never pile up. When every node is sick, or a node just
    # failed to render the page (vcl_synth), the whole grace below applies: readers keep
    # the pages the front holds for the outage.
    if (req.restarts == 0) {
        unset req.http.X-Grace-Only;
    }
    if (std.healthy(req.backend_hint) && !req.http.X-Grace-Only) {
        set req.grace = 10s;
    }
    return (hash);
}

sub vcl_hash {
    # http and https answers differ (the HTTPS redirect, Content-Security-Policy's
    # upgrade-insecure-requests): never serve one for the other. X-Forwarded-Proto comes
    # from the TLS proxy in front.
    hash_data(req.url);
    hash_data(req.http.host);
    hash_data(req.http.X-Forwarded-Proto);
    return (lookup);
}

sub vcl_backend_fetch {
    if (bereq.retries > 0) {
        # The node tried before failed (vcl_backend_error): the next one after it.
        call web_after_failure;
        unset bereq.http.X-Failed-Node;
    }
    # When this fetch began, on Varnish's clock, for the purge check below.
    set bereq.http.X-Fetch-Started = "" + std.time2real(now, 0.0);
}

sub vcl_backend_error {
    # No answer from the node: it refused the connection or dropped it before answering
    # (it died, and the probes notice only after 3 of them, seconds later). A GET or HEAD
    # is asked of the next node instead, so a reader gets no 503 while another node is up
    # (tests/test_several_nodes.py). Never anything else: a POST may have been acted on.
    if (bereq.retries < 3 && bereq.method ~ "^(GET|HEAD)$") {
        set bereq.http.X-Failed-Node = beresp.backend.name;
        return (retry);
    }
}

sub vcl_backend_response {
    set beresp.http.X-Fetch-Started = bereq.http.X-Fetch-Started;
    unset bereq.http.X-Fetch-Started;
    # xkey indexes the `xkey` header; the application speaks Fastly's Surrogate-Key.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }

    if (bereq.uncacheable) {
        return (deliver);  # a pass: nothing to decide
    }
    # A node that fails to render a readers' page (the database just went down and the
    # probes have not noticed yet): keep the copy we have rather than replacing it with
    # the error. A background refresh just stops; a reader who was waiting goes through
    # vcl_synth, which looks again for an old copy.
    if (beresp.status >= 500) {
        return (abandon);
    }
    # Only what the application explicitly lets shared caches keep: no Cache-Control (an
    # error page, Django's HTTPS redirect) is not guessed at with Varnish's default TTL.
    if (!beresp.http.Cache-Control
        || beresp.http.Cache-Control ~ "(?i)(private|no-store|no-cache)"
        || beresp.http.Set-Cookie
        || beresp.http.Vary == "*"
        || beresp.ttl <= 0s) {
        set beresp.ttl = 10s;
        set beresp.uncacheable = true;  # hit-for-miss: the next request fetches again
        return (deliver);
    }
    # A fetch that began before the last purge may have read the database before the
    # change committed: deliver it to the readers waiting for it, but do not keep it.
    if (std.real(beresp.http.X-Fetch-Started, 0.0) < std.real(var.global_get("purged_at"), 0.0)) {
        set beresp.ttl = 0s;
        set beresp.grace = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # beresp.ttl came from s-maxage: the application gives shared caches (purged by key)
    # longer than browsers, never past the next scheduled change.
    # Keep copies a day past their lifetime for outages; vcl_recv limits that to 10 s while
    # a web node is healthy.
    set beresp.grace = 24h;
    # Pages are stored compressed and unpacked for the rare client that takes no gzip.
    if (beresp.http.Content-Type ~ "^(text/|application/(rss\+xml|atom\+xml|xml|json))") {
        set beresp.do_gzip = true;
    }
    return (deliver);
}

sub vcl_deliver {
    # What the proxy indexes is its business, not the reader's.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.X-Fetch-Started;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
    # For diagnostics (and the tests): was this answered from the cache?
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } else if (obj.hits > 0 && obj.ttl <= 0s) {
        set resp.http.X-Cache = "STALE";
    } else if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}

sub vcl_synth {
    if (req.method == "PURGE") {
        set resp.http.X-Purged = req.http.n-gone;
        return (deliver);
    }
    # No node could render the page (the fetch was abandoned above, or no node answered):
    # look once more, this time accepting any old copy. A page never cached gets the 503.
    if (resp.status == 503 && req.restarts == 0 && req.method ~ "^(GET|HEAD)$") {
        set req.http.X-Grace-Only = "1";
        return (restart);
    }
    if (resp.status == 503) {
        set resp.http.Retry-After = "5";
        set resp.http.Cache-Control = "no-store";
        set resp.http.Content-Type = "text/html; charset=utf-8";
        set resp.body = {"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Briefly unavailable</title></head>
<body><h1>This page is briefly unavailable</h1><p>Please try again in a few seconds.</p></body>
</html>
"};
    }
}
