# What differs between sites, included by archive.vcl: where the app servers are and who may purge.
# Copy both files to /etc/varnish/ (or another directory on varnishd's vcl_path) and edit this one.

# The app (gunicorn, `make serve`). Several app servers: declare one backend each and a round-robin director
# (import directors;) in a vcl_init, then set req.backend_hint to it in a vcl_recv here.
backend archive {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 60s;
}

# Addresses allowed to PURGE: the app servers (CACHE_PURGE_URL points here from them).
acl archive_purgers {
    "127.0.0.1";
    "::1";
}
