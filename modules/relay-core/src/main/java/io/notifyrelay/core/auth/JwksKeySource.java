package io.notifyrelay.core.auth;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import java.io.Closeable;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;

/**
 * The keys of a remote JWK Set, through nimbus' {@link JWKSourceBuilder}:
 * <ul>
 *   <li>cached for {@code ttl}, and refreshed in the background {@link #refreshAhead} before that runs out, so
 *       the I/O threads that verify tokens do not wait for the network in normal operation;</li>
 *   <li>fetched again at once when a token names a {@code kid} the cached set lacks: a key rotation is picked
 *       up on the first token signed with the new key, and keys removed from the set stop verifying from
 *       then on (otherwise at the latest one {@code ttl} after their removal);</li>
 *   <li>rate-limited: at most two fetches per {@link #rateLimitInterval} (nimbus' rule), so tokens with made-up
 *       {@code kid}s cannot turn the relay into a load generator against the identity provider.</li>
 * </ul>
 * The refresh threads are daemons; {@link #close()} stops them.
 */
final class JwksKeySource implements Closeable {

    static final int HTTP_CONNECT_TIMEOUT_MS = 2_000;
    static final int HTTP_READ_TIMEOUT_MS = 2_000;
    static final int HTTP_SIZE_LIMIT = JWKSourceBuilder.DEFAULT_HTTP_SIZE_LIMIT;

    private final URI url;
    private final JWKSource<SecurityContext> source;

    JwksKeySource(URI url, Duration ttl) {
        this.url = url;
        long ttlMs = ttl.toMillis();
        DefaultResourceRetriever retriever = new DefaultResourceRetriever(HTTP_CONNECT_TIMEOUT_MS, HTTP_READ_TIMEOUT_MS,
                HTTP_SIZE_LIMIT);
        try {
            this.source = JWKSourceBuilder.<SecurityContext>create(url.toURL(), retriever)
                    .cache(ttlMs, refreshTimeout(ttl).toMillis())
                    .refreshAheadCache(refreshAhead(ttl).toMillis(), null,
                            Executors.newSingleThreadExecutor(daemon("jwks-refresh")), true,
                            Executors.newSingleThreadScheduledExecutor(daemon("jwks-refresh-timer")), true)
                    .rateLimited(rateLimitInterval(ttl).toMillis())
                    .build();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the JWKS URL is not a valid URL: " + url);
        }
    }

    /** How long a verification waits for a fetch another thread has started. */
    static Duration refreshTimeout(Duration ttl) {
        return min(Duration.ofSeconds(5), ttl.dividedBy(4));
    }

    static Duration refreshAhead(Duration ttl) {
        return min(Duration.ofSeconds(30), ttl.dividedBy(4));
    }

    /** Two fetches at most per interval; it must be shorter than the TTL. */
    static Duration rateLimitInterval(Duration ttl) {
        return min(Duration.ofSeconds(30), ttl.dividedBy(2));
    }

    JWKSource<SecurityContext> source() {
        return source;
    }

    URI url() {
        return url;
    }

    /** Fetches the set now (start-up check); returns how many keys it holds. */
    int prefetch() throws KeySourceException {
        List<JWK> keys = source.get(new JWKSelector(new JWKMatcher.Builder().build()), null);
        return keys.size();
    }

    @Override
    public void close() {
        if (source instanceof Closeable closeable) {
            try {
                closeable.close();
            } catch (IOException e) {
                // nothing to release beyond the threads, which are daemons anyway
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
