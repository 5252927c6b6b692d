//! The bench's one HTTP/1.1 client: hyper's, one connection at a time.
//!
//! It keeps the connection open while the server allows it (the fake does;
//! werkzeug, under moto, answers `Connection: close` to every request) and
//! opens a new one otherwise, counting connections. With `close` it sends
//! `Connection: close` itself, so every request gets a new TCP connection.

use bytes::Bytes;
use http::header::{CONNECTION, HOST};
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub struct Client {
    /// `host:port`, also sent as `Host`.
    addr: String,
    close: bool,
    conn: Option<SendRequest<Full<Bytes>>>,
    /// TCP connections opened so far.
    pub connects: u64,
}

/// A request's parts; built into a hyper request each time it is sent.
pub struct Call<'a> {
    pub method: Method,
    pub path: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: Bytes,
}

impl Client {
    /// `url` is `http://host:port` (a trailing `/` is ignored).
    pub fn new(url: &str, close: bool) -> Self {
        let addr = url
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("the URL must start with http:// (got {url})"))
            .trim_end_matches('/')
            .to_owned();
        Self {
            addr,
            close,
            conn: None,
            connects: 0,
        }
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Opens the connection now rather than at the first request.
    pub async fn connect_now(&mut self) {
        if let Err(e) = self.connect().await {
            panic!("{}: {e}", self.addr);
        }
    }

    async fn connect(&mut self) -> Result<(), String> {
        let stream = TcpStream::connect(&self.addr)
            .await
            .map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        // The connection's own task: it ends when the connection closes.
        tokio::spawn(async move {
            let _ = conn.await;
        });
        self.conn = Some(sender);
        self.connects += 1;
        Ok(())
    }

    /// Sends one request; returns the status and the whole body.
    pub async fn send(&mut self, call: &Call<'_>) -> (u16, Bytes) {
        // A kept-alive connection the server has since closed fails before any
        // answer: then (and only then) send again on a new connection.
        let reused = self.conn.as_ref().is_some_and(|c| !c.is_closed());
        match self.exchange(call).await {
            Ok(answer) => answer,
            Err(e) if reused => {
                self.conn = None;
                self.exchange(call)
                    .await
                    .unwrap_or_else(|e2| panic!("{}: {e} then {e2}", self.addr))
            }
            Err(e) => panic!("{}: {e}", self.addr),
        }
    }

    async fn exchange(&mut self, call: &Call<'_>) -> Result<(u16, Bytes), String> {
        if self.conn.as_ref().is_none_or(SendRequest::is_closed) {
            self.connect().await?;
        }
        let sender = self.conn.as_mut().expect("connected above");
        sender.ready().await.map_err(|e| e.to_string())?;
        let mut request = Request::builder()
            .method(call.method.clone())
            .uri(call.path)
            .header(HOST, &self.addr);
        for (name, value) in call.headers {
            request = request.header(*name, *value);
        }
        if self.close {
            request = request.header(CONNECTION, "close");
        }
        let request = request
            .body(Full::new(call.body.clone()))
            .expect("a well-formed request");
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let server_closes = response
            .headers()
            .get(CONNECTION)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        if self.close || server_closes {
            self.conn = None;
        }
        Ok((status, body))
    }
}
