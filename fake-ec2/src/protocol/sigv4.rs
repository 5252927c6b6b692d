//! What the fake reads from a SigV4 `Authorization` header: the credential
//! scope `AKID/YYYYMMDD/<region>/<service>/aws4_request`. The signature itself
//! is never stored or logged.

/// The parts of a SigV4 credential scope the fake routes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
}

/// Parses the `Credential=` part of an `AWS4-HMAC-SHA256` Authorization header.
pub fn parse_authorization(header: &str) -> Option<CredentialScope> {
    let rest = header.trim().strip_prefix("AWS4-HMAC-SHA256")?;
    let start = rest.find("Credential=")? + "Credential=".len();
    let credential = rest[start..].split([',', ' ']).next()?;
    parse_credential(credential)
}

/// Parses `AKID/YYYYMMDD/region/service/aws4_request` (also used for the
/// `X-Amz-Credential` query parameter of presigned requests).
pub fn parse_credential(credential: &str) -> Option<CredentialScope> {
    let mut parts = credential.split('/');
    let access_key_id = parts.next()?.to_owned();
    let date = parts.next()?.to_owned();
    let region = parts.next()?.to_owned();
    let service = parts.next()?.to_owned();
    if parts.next()? != "aws4_request" || region.is_empty() || service.is_empty() {
        return None;
    }
    Some(CredentialScope {
        access_key_id,
        date,
        region,
        service,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scope() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261125/us-west-2/elasticloadbalancing/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=abcdef";
        let s = parse_authorization(h).unwrap();
        assert_eq!(s.access_key_id, "AKIDTEST");
        assert_eq!(s.region, "us-west-2");
        assert_eq!(s.service, "elasticloadbalancing");
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_authorization("Basic Zm9v"), None);
        assert_eq!(parse_authorization("AWS4-HMAC-SHA256 Credential=a/b"), None);
        assert_eq!(
            parse_authorization("AWS4-HMAC-SHA256 Credential=a/b/c/d/e"),
            None
        );
    }
}
