//! The HTTP server around the router: HTTP/1.1 connections with a
//! header-read timeout, an idle timeout, a cap on open connections under the
//! file-descriptor limit, and a graceful shutdown with a deadline.
//!
//! `axum::serve` offers none of these knobs, so connections are served by
//! hyper's HTTP/1 connection directly, as `axum::serve` does inside.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Default time a client has to send a whole request head, counted from when
/// the connection starts waiting for it (so it also bounds how long a
/// keep-alive connection waits for its next request).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a connection may sit with no bytes moving and no request
/// being answered (an idle keep-alive connection, a client that stopped
/// reading its response) before it is closed.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// Default time in-flight requests get to finish after SIGTERM.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time between SIGTERM and closing the listener, while `/readyz`
/// answers 503: two seconds longer than the fall time of the health check in
/// `deploy/haproxy.cfg` (2 checks 1 s apart), so the balancer has taken the
/// replica out before it stops accepting.
pub const DEFAULT_DRAIN_GRACE: Duration = Duration::from_secs(4);
/// Most connections ever allowed, whatever the descriptor limit.
const MAX_CONNECTIONS_CEILING: usize = 100_000;

/// The server's limits (`aidsearch serve --header-timeout …`).
#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    /// Connections open at once; past it, new ones wait in the kernel's
    /// accept queue until one closes.
    pub max_connections: usize,
    pub shutdown_timeout: Duration,
    /// Time the server keeps accepting after SIGTERM, reporting itself not
    /// ready, before it stops accepting and drains.
    pub drain_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: default_max_connections(fd_soft_limit()),
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            drain_grace: DEFAULT_DRAIN_GRACE,
        }
    }
}

/// The process's soft limit on open file descriptors, when it can be read.
pub fn fd_soft_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes the struct it is given.
        let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
        // rlim_t is u64 on Linux, not everywhere.
        #[allow(clippy::unnecessary_cast)]
        let current = limit.rlim_cur as u64;
        (ok && limit.rlim_cur != libc::RLIM_INFINITY).then_some(current)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Connections allowed under a descriptor soft limit: a quarter of it (at
/// least 128) stays for the index's files, the corpus, logs and the runtime.
/// 1024 when the limit is unknown.
pub fn default_max_connections(soft_limit: Option<u64>) -> usize {
    match soft_limit {
        Some(limit) => {
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            let reserve = (limit / 4).max(128);
            limit
                .saturating_sub(reserve)
                .clamp(1, MAX_CONNECTIONS_CEILING)
        }
        None => 1024,
    }
}

/// When a connection last moved bytes, and how many of its requests are
/// being answered.
struct Activity {
    start: Instant,
    /// Milliseconds since `start` of the last read or write.
    last: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    fn new() -> Arc<Activity> {
        Arc::new(Activity {
            start: Instant::now(),
            last: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        })
    }

    fn touch(&self) {
        let now = self.start.elapsed().as_millis() as u64;
        self.last.store(now, Ordering::Relaxed);
    }

    fn quiet_for(&self) -> Duration {
        let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }

    /// Resolves once the connection has been idle for `idle`: no request
    /// being answered and no bytes moving.
    async fn idle(&self, idle: Duration) {
        loop {
            let quiet = self.quiet_for();
            if quiet >= idle && self.in_flight.load(Ordering::Relaxed) == 0 {
                return;
            }
            let wait = idle.saturating_sub(quiet).max(Duration::from_millis(20));
            tokio::time::sleep(wait).await;
        }
    }
}

/// Counts a request as being answered while it lives.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn new(activity: &Arc<Activity>) -> InFlight {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A TCP stream that records its activity.
struct Tracked {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Serve `app` on `listener` until `shutdown` resolves, then stop accepting,
/// let in-flight requests finish for at most `limits.shutdown_timeout` and
/// return (connections still open then are dropped with the runtime).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let mut full_warned: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        if slots.available_permits() == 0
            && full_warned.is_none_or(|t| t.elapsed() > Duration::from_secs(10))
        {
            tracing::warn!(
                max_connections = limits.max_connections,
                "connection limit reached: new connections wait"
            );
            full_warned = Some(Instant::now());
        }
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors (EMFILE) or a connection reset
                    // before it was accepted: wait a little, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let activity = Activity::new();
        let io = TokioIo::new(Tracked {
            stream,
            activity: activity.clone(),
        });
        let service_activity = activity.clone();
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let guard = InFlight::new(&service_activity);
            let app = app.clone();
            async move {
                let mut request = request.map(axum::body::Body::new);
                // The peer's address, for sign-in throttling and the audit
                // log (`web::auth::client_address`).
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(remote));
                let response = app.oneshot(request).await;
                drop(guard);
                response
            }
        });
        let connection = graceful.watch(builder.serve_connection(io, service));
        let idle_timeout = limits.idle_timeout;
        tokio::spawn(async move {
            let _permit = permit;
            tokio::select! {
                _ = connection => {}
                () = activity.idle(idle_timeout) => {}
            }
        });
    }
    drop(listener);
    let open = graceful.count();
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_timeout) => {
            tracing::warn!(
                open,
                seconds = limits.shutdown_timeout.as_secs_f64(),
                "shutdown deadline passed: closing the connections still open"
            );
        }
    }
    Ok(())
}
