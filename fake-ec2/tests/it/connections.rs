//! The server's own limits, over raw sockets: header, body and idle
//! timeouts, the connection cap (health still answers, clients get in
//! again), body read errors answered as AWS would, and the `Host` check
//! that keeps DNS-rebinding pages out. Timeouts are a few hundred ms here.

use std::time::{Duration, Instant};

use fake_ec2::{Fake, FaultRule, ServeOptions, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

fn fast() -> ServeOptions {
    ServeOptions {
        header_timeout: Duration::from_millis(200),
        body_timeout: Duration::from_millis(200),
        idle_timeout: Duration::from_millis(300),
        max_connections: 4,
        allow_remote: false,
    }
}

async fn serve(options: ServeOptions) -> (Fake, Server) {
    let fake = Fake::new();
    let server = fake.start_with(options).await.unwrap();
    (fake, server)
}

fn addr(server: &Server) -> String {
    server.addr().to_string()
}

/// Reads until the server closes the connection; how long that took (from
/// `since`), or `None` if it stayed open for `limit`.
async fn closed_after(stream: &mut TcpStream, since: Instant, limit: Duration) -> Option<Duration> {
    let mut buf = [0u8; 4096];
    let deadline = since + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(since.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

/// One whole response off a keep-alive connection (its `Content-Length`).
async fn read_response(stream: &mut TcpStream) -> (u16, Vec<(String, String)>, String) {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(
            n > 0,
            "closed mid-response: {:?}",
            String::from_utf8_lossy(&raw)
        );
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return parse_response(&raw);
            }
        }
    }
}

/// A client that sends a request head one byte every 50 ms, never ending
/// it, is disconnected once the header timeout has passed since its first byte.
#[tokio::test]
async fn a_slowloris_client_is_cut_off_after_the_header_timeout() {
    let (_fake, server) = serve(fast()).await;
    let mut stream = TcpStream::connect(addr(&server)).await.unwrap();
    let head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let start = Instant::now();
    let mut closed = None;
    for byte in head.iter().cycle().take(200) {
        if stream.write_all(&[*byte]).await.is_err() {
            closed = Some(start.elapsed());
            break;
        }
        let mut buf = [0u8; 1];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(50), stream.read(&mut buf)).await
        {
            closed = Some(start.elapsed());
            break;
        }
    }
    let closed = closed.expect("the slow client was never disconnected");
    eprintln!("slowloris client disconnected after {closed:?} (header timeout 200 ms)");
    assert!(
        closed >= Duration::from_millis(180) && closed < Duration::from_millis(600),
        "{closed:?}"
    );
}

/// A keep-alive connection is closed after the idle timeout, whether it
/// sent a request first or never sent a byte; a request in flight for
/// longer than that (a latency fault) is answered, not cut off.
#[tokio::test]
async fn idle_keep_alive_connections_are_closed() {
    let (fake, server) = serve(fast()).await;
    let a = addr(&server);
    let mut used = TcpStream::connect(&a).await.unwrap();
    used.write_all(format!("GET /_fake/health HTTP/1.1\r\nHost: {a}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let (status, _, _) = read_response(&mut used).await;
    assert_eq!(status, 200);
    let answered = Instant::now();
    let mut silent = TcpStream::connect(&a).await.unwrap();
    let opened = Instant::now();
    let used_idle = closed_after(&mut used, answered, Duration::from_secs(3)).await;
    let silent_idle = closed_after(&mut silent, opened, Duration::from_secs(3)).await;
    for idle in [used_idle, silent_idle] {
        let idle = idle.expect("an idle connection stayed open");
        assert!(
            idle >= Duration::from_millis(280) && idle < Duration::from_millis(1500),
            "{idle:?}"
        );
    }

    fake.set_faults(
        vec![FaultRule {
            action: Some("DescribeVpcs".into()),
            latency_ms: Some(700),
            ..FaultRule::default()
        }],
        0,
    );
    let start = Instant::now();
    let (status, _, body) = raw_post(&server.url(), None, "Action=DescribeVpcs").await;
    assert_eq!(status, 200, "{body}");
    assert!(start.elapsed() >= Duration::from_millis(700));
}

/// A body that does not arrive in time is answered 400 `RequestTimeout`
/// (a code SDKs retry); one the client stops sending (less than its
/// `Content-Length`) 400 `MalformedQueryString`; one over the limit 400
/// `RequestEntityTooLarge`. Each with a request id of its own, in the
/// service's envelope.
#[tokio::test]
async fn body_read_errors_get_their_own_codes_and_a_request_id() {
    let (fake, server) = serve(fast()).await;
    let a = addr(&server);
    let head = |auth: &str| {
        format!(
            "POST / HTTP/1.1\r\nHost: {a}\r\n{auth}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 50\r\n\r\nAction=Desc"
        )
    };
    let request_id = |body: &str, tag: &str| {
        body.split(&format!("<{tag}>"))
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap_or("")
            .to_owned()
    };

    // Too slow: the body never ends.
    let mut slow = TcpStream::connect(&a).await.unwrap();
    let start = Instant::now();
    slow.write_all(head("").as_bytes()).await.unwrap();
    let (status, _, body) = read_response(&mut slow).await;
    let took = start.elapsed();
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("<Code>RequestTimeout</Code>"), "{body}");
    assert!(
        took >= Duration::from_millis(190) && took < Duration::from_millis(1500),
        "{took:?}"
    );
    let slow_id = request_id(&body, "RequestID");
    assert!(
        slow_id.starts_with("00000000-0000-4000-8000-") && !slow_id.ends_with("000000000000"),
        "{body}"
    );

    // Cut short: the client closes its side mid-body (ELBv2, by its scope).
    let mut short = TcpStream::connect(&a).await.unwrap();
    let auth = format!(
        "Authorization: {}\r\n",
        sigv4(REGION, "elasticloadbalancing")
    );
    short.write_all(head(&auth).as_bytes()).await.unwrap();
    short.shutdown().await.unwrap();
    let mut raw = Vec::new();
    let _ = short.read_to_end(&mut raw).await;
    let (status, _, body) = parse_response(&raw);
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("<Type>Sender</Type><Code>MalformedQueryString</Code>"),
        "{body}"
    );
    let short_id = request_id(&body, "RequestId");
    assert!(!short_id.is_empty() && short_id != slow_id, "{body}");

    // Too large, declared or sent.
    let big = format!(
        "Action=DescribeVpcs&Pad={}",
        "x".repeat(fake_ec2::server::MAX_BODY)
    );
    let (status, headers, body) = raw_post(&server.url(), None, &big).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("<Code>RequestEntityTooLarge</Code>"),
        "{body}"
    );
    let big_id = request_id(&body, "RequestID");
    assert_eq!(header(&headers, "x-amzn-requestid"), Some(big_id.as_str()));
    assert!(!big_id.ends_with("000000000000"), "{body}");
    // None of them reached the journal.
    assert!(fake.journal().is_empty());
}

/// With `max_connections` connections open (idle), a new client still gets
/// `/_fake/health`, an AWS request a 503 it can retry, and once the idle
/// ones are closed it is served again.
#[tokio::test]
async fn with_the_cap_reached_health_answers_and_clients_get_in_again() {
    let (_fake, server) = serve(fast()).await;
    let a = addr(&server);
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(&a).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let start = Instant::now();
    let (status, _, body) = get(&server.url(), "/_fake/health").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        start.elapsed() < Duration::from_millis(150),
        "{:?}",
        start.elapsed()
    );
    let (status, headers, body) = raw_post(&server.url(), None, "Action=DescribeVpcs").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("<Code>Unavailable</Code>"), "{body}");
    assert!(body.contains("--max-connections"), "{body}");
    assert_eq!(header(&headers, "connection"), Some("close"));
    // The held connections idle out; a client is served in full again.
    let ec2 = ec2_client(&server.url(), REGION);
    tokio::time::sleep(Duration::from_millis(400)).await;
    ec2.describe_vpcs().send().await.unwrap();
    drop(held);
}

/// Only requests for a loopback host are answered (a DNS-rebinding page
/// sends its own name); `allow_remote` serves any.
#[tokio::test]
async fn only_loopback_hosts_are_served() {
    let (_fake, server) = serve(ServeOptions::default()).await;
    let url = server.url();
    let port = server.addr().port();
    let evil = format!("evil.example:{port}");
    let (status, _, body) = http(&url, "GET", "/_fake/state", &[("Host", &evil)], b"").await;
    assert_eq!(status, 403);
    assert_eq!(
        body.trim(),
        format!(
            "fake-ec2 answers only requests for a loopback host (localhost, 127.0.0.0/8, [::1]), and this one is for '{evil}'; start it with --allow-remote to serve other hosts"
        )
    );
    let form = b"Action=CreateVpc&CidrBlock=10.0.0.0/16";
    let (status, _, body) = http(&url, "POST", "/", &[("Host", &evil)], form).await;
    assert_eq!(status, 403);
    assert!(
        body.contains("<Code>UnauthorizedOperation</Code>"),
        "{body}"
    );
    let auth = sigv4(REGION, "elasticloadbalancing");
    let (status, _, body) = http(
        &url,
        "POST",
        "/",
        &[("Host", &evil), ("Authorization", &auth)],
        b"Action=DescribeLoadBalancers&Version=2015-12-01",
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.9:{port}"),
        format!("[::1]:{port}"),
        "LOCALHOST".to_owned(),
    ] {
        let (status, _, body) = http(&url, "GET", "/_fake/health", &[("Host", &host)], b"").await;
        assert_eq!(status, 200, "{host}: {body}");
    }
    // HTTP/1.0 without a Host: refused too.
    let mut s = TcpStream::connect(server.addr()).await.unwrap();
    s.write_all(b"GET /_fake/health HTTP/1.0\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    assert_eq!(parse_response(&raw).0, 403);
    // Nothing was created by the refused requests.
    let ec2 = ec2_client(&url, REGION);
    assert!(made_vpcs(&ec2).await.is_empty());

    let (_fake, open) = serve(ServeOptions {
        allow_remote: true,
        ..ServeOptions::default()
    })
    .await;
    let (status, _, _) = http(&open.url(), "GET", "/_fake/health", &[("Host", &evil)], b"").await;
    assert_eq!(status, 200);
}
