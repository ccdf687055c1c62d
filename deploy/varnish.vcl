vcl 4.1;

# Varnish in front of haproxy: the shared HTTP cache (deploy/README.md says
# what to change for production). `npm run cluster` (deploy/cluster.ts) runs
# this file as written, with only the backend's port rewritten.
#
# What Varnish does by itself, kept: it honours the replicas' Cache-Control
# (max-age, s-maxage; no-store and private are never stored), answers Range
# requests from the whole cached object (a miss fetches the whole file, so
# a range is never stored as if it were the file), and passes requests that
# carry Authorization or Cookie.

backend haproxy {
    .host = "127.0.0.1";
    .port = "8080";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
}

sub vcl_backend_fetch {
    # Fetch and store the identity body. Varnish would otherwise ask for
    # gzip, and the replicas compress text on the fly with a weak ETag
    # (W/"…-gzip"): a stored gzip body cannot answer a Range for a client
    # that did not ask for gzip (Varnish then sends the whole file with 200),
    # and a weak tag is no validator for If-Range. Compress for clients at
    # the TLS terminator if at all.
    unset bereq.http.Accept-Encoding;
}

sub vcl_backend_response {
    # An expired object is kept an hour more for its validators: the next
    # fetch then carries If-None-Match (and If-Modified-Since), and a 304
    # refreshes the stored body instead of sending it again.
    set beresp.keep = 1h;
    if (beresp.was_304) {
        # Which replica revalidated the object (for tests and people).
        set beresp.http.X-Revalidated-By = beresp.http.X-Replica;
    }
    # `no-cache` (the fileserver's preset for every name without a hash)
    # means "store, but revalidate before each use", which Varnish's built-in
    # rule would turn into "do not store". Stored fresh for one millisecond
    # (Varnish skips an object whose TTL is 0 at lookup, keep or not) and
    # with no grace, each later request for it is a conditional fetch: a 304
    # from a replica and the body from here.
    if (beresp.status == 200 && beresp.http.ETag &&
        beresp.http.Cache-Control ~ "(?i)(^|,)\s*no-cache\s*(,|$)" &&
        beresp.http.Cache-Control !~ "(?i)no-store|private" &&
        !beresp.http.Set-Cookie) {
        set beresp.ttl = 1ms;
        set beresp.grace = 0s;
        return (deliver);
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
