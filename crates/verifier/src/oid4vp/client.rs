//! A client of the relying party API (what `civitas verifier request` and `result` use): HTTPS
//! (plain HTTP only to a loopback address), no proxy, no redirects, timeouts, bounded answers.

use serde_json::Value;

/// The largest answer read (the QR PNG is in it).
pub const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// Why a call of the relying party API failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server URL is not https (or http to a loopback address).
    #[error("`{0}` is not an https:// URL (http:// only to 127.0.0.1, [::1] or localhost)")]
    NotHttps(String),
    /// A root certificate is not PEM.
    #[error("root certificate: {0}")]
    Certificate(String),
    /// The call failed.
    #[error("{url}: {reason}")]
    Transport {
        /// The URL called.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The server answered with an error.
    #[error("{url}: HTTP {status}: {detail}")]
    Status {
        /// The URL called.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The problem's `detail` (or the body).
        detail: String,
        /// The body as JSON, when it is.
        body: Value,
    },
}

/// A relying party API client.
#[derive(Debug, Clone)]
pub struct RpClient {
    client: reqwest::Client,
    base: String,
    token: String,
}

fn loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = if authority.starts_with('[') {
        authority
            .split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default().to_owned()
    };
    matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]")
}

impl RpClient {
    /// A client of the server at `server` (its base URL), with the bearer `token` and extra
    /// root certificates (PEM).
    pub fn new(server: &str, token: &str, roots_pem: &[Vec<u8>]) -> Result<Self, ClientError> {
        let base = server.trim().trim_end_matches('/').to_owned();
        if !(base.starts_with("https://") || loopback_http(&base)) {
            return Err(ClientError::NotHttps(base));
        }
        let mut builder = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .connect_timeout(std::time::Duration::from_secs(10))
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("civitas-verifier/", env!("CARGO_PKG_VERSION")));
        for pem in roots_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ClientError::Certificate(e.to_string()))?;
            if certs.is_empty() {
                return Err(ClientError::Certificate(
                    "the file holds no PEM certificate".to_owned(),
                ));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .build()
            .map_err(|e| ClientError::Certificate(e.to_string()))?;
        Ok(Self {
            client,
            base,
            token: token.trim().to_owned(),
        })
    }

    /// `POST /oid4vp/requests` with `body` (a DCQL query or the shorthand): the answer.
    pub async fn create(&self, body: &Value) -> Result<Value, ClientError> {
        let url = format!("{}/oid4vp/requests", self.base);
        let request = self.client.post(&url).bearer_auth(&self.token).json(body);
        self.send(&url, request).await
    }

    /// `GET /oid4vp/requests/{id}`: the request's status and result.
    pub async fn result(&self, id: &str) -> Result<Value, ClientError> {
        let url = format!("{}/oid4vp/requests/{}", self.base, encode_segment(id));
        let request = self.client.get(&url).bearer_auth(&self.token);
        self.send(&url, request).await
    }

    async fn send(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Value, ClientError> {
        let transport = |e: reqwest::Error| ClientError::Transport {
            url: url.to_owned(),
            reason: if e.is_timeout() {
                "timed out".to_owned()
            } else {
                let mut text = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    text.push_str(&format!(": {s}"));
                    source = s.source();
                }
                text
            },
        };
        let mut response = request
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(ClientError::Transport {
                    url: url.to_owned(),
                    reason: format!("the answer is larger than {MAX_ANSWER_BYTES} bytes"),
                });
            }
            body.extend_from_slice(&chunk);
        }
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(json);
        }
        let detail = json.get("detail").and_then(Value::as_str).map_or_else(
            || String::from_utf8_lossy(&body).chars().take(500).collect(),
            str::to_owned,
        );
        Err(ClientError::Status {
            url: url.to_owned(),
            status: status.as_u16(),
            detail,
            body: json,
        })
    }
}

fn encode_segment(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' || b == b'~' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
