//! Serialising a request into the one buffer written to the socket.
//!
//! Every caller-supplied piece is checked before it is written: a CR or LF in a header value
//! (an API key pasted with its newline, a header built from user input) would otherwise end the
//! header early and let the rest be read as further headers or as the next request.

use super::error::HttpError;

/// Methods whose requests carry no content unless given some, so an empty body sends no
/// `Content-Length` (RFC 9110 §8.6: a user agent SHOULD NOT send one then).
const NO_CONTENT_METHODS: [&str; 6] = ["GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"];

/// Headers the encoder writes itself from its other arguments: a caller's copy would
/// duplicate or contradict them.
const RESERVED: [&str; 3] = ["host", "content-length", "transfer-encoding"];

/// RFC 9110 `tchar`: the characters of a token (method, header name).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A header value byte: anything but control characters (HTAB allowed). Bytes from 0x80 are
/// `obs-text`, so UTF-8 text passes as its bytes.
fn is_value_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

fn describe(b: u8) -> String {
    match b {
        b'\r' => "a carriage return (CR)".to_owned(),
        b'\n' => "a line feed (LF)".to_owned(),
        0 => "a NUL byte".to_owned(),
        _ => format!("the control character 0x{b:02x}"),
    }
}

fn check_token(what: &str, token: &str) -> Result<(), HttpError> {
    if token.is_empty() {
        return Err(HttpError::InvalidRequest(format!("empty HTTP {what}")));
    }
    if let Some(c) = token
        .chars()
        .find(|&c| !u8::try_from(c).is_ok_and(is_tchar))
    {
        return Err(HttpError::InvalidRequest(format!(
            "invalid HTTP {what} {token:?}: {c:?} is not allowed in a token"
        )));
    }
    Ok(())
}

/// A request-target or host: visible ASCII only (no spaces, no controls).
fn check_visible(what: &str, text: &str) -> Result<(), HttpError> {
    if text.is_empty() {
        return Err(HttpError::InvalidRequest(format!("empty HTTP {what}")));
    }
    if let Some(c) = text.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(HttpError::InvalidRequest(format!(
            "invalid HTTP {what} {text:?}: {c:?} is not allowed (percent-encode it)"
        )));
    }
    Ok(())
}

fn check_header(name: &str, value: &str) -> Result<(), HttpError> {
    check_token("header name", name)?;
    if RESERVED.iter().any(|r| name.eq_ignore_ascii_case(r)) {
        return Err(HttpError::InvalidRequest(format!(
            "header {name:?} is set by the request encoder and must not be given"
        )));
    }
    // The value is never echoed: it is often a credential.
    if let Some((at, &b)) = value
        .as_bytes()
        .iter()
        .enumerate()
        .find(|(_, &b)| !is_value_byte(b))
    {
        return Err(HttpError::InvalidRequest(format!(
            "invalid value for HTTP header {name:?}: it contains {} at byte {at}",
            describe(b)
        )));
    }
    Ok(())
}

/// The request line, `Host`, the caller's headers in order, `Content-Length` (see
/// [`NO_CONTENT_METHODS`]) and the body, as one buffer.
///
/// # Errors
/// [`HttpError::InvalidRequest`] naming the first method, target, host or header that could
/// not be sent as given; nothing is written then.
pub fn encode_request<N: AsRef<str>, V: AsRef<str>>(
    method: &str,
    target: &str,
    host: &str,
    headers: &[(N, V)],
    body: &[u8],
) -> Result<Vec<u8>, HttpError> {
    encode_request_with_defaults::<N, V, &str, &str>(method, target, host, &[], headers, body)
}

/// [`encode_request`] with default headers: each default whose name (compared without case)
/// the caller's headers do not set is written first, in order, then the caller's headers.
/// A client's defaults (`Accept`, `User-Agent`, ...) are merged here, per request, for less
/// than the cost of looking up a merged list.
///
/// # Errors
/// As [`encode_request`]; the defaults are checked like the caller's headers.
pub fn encode_request_with_defaults<N, V, DN, DV>(
    method: &str,
    target: &str,
    host: &str,
    defaults: &[(DN, DV)],
    headers: &[(N, V)],
    body: &[u8],
) -> Result<Vec<u8>, HttpError>
where
    N: AsRef<str>,
    V: AsRef<str>,
    DN: AsRef<str>,
    DV: AsRef<str>,
{
    check_token("method", method)?;
    check_visible("request target", target)?;
    check_visible("host", host)?;
    let mut size = method.len() + target.len() + host.len() + 40 + body.len();
    for (name, value) in headers {
        let (name, value) = (name.as_ref(), value.as_ref());
        check_header(name, value)?;
        size += name.len() + value.len() + 4;
    }
    let mut defaults_used = Vec::with_capacity(defaults.len());
    for (name, value) in defaults {
        let (name, value) = (name.as_ref(), value.as_ref());
        if headers
            .iter()
            .any(|(given, _)| given.as_ref().eq_ignore_ascii_case(name))
        {
            continue;
        }
        check_header(name, value)?;
        size += name.len() + value.len() + 4;
        defaults_used.push((name, value));
    }
    let with_length = !body.is_empty() || !NO_CONTENT_METHODS.contains(&method);
    let mut out = Vec::with_capacity(size);
    for piece in [method, " ", target, " HTTP/1.1\r\nHost: ", host, "\r\n"] {
        out.extend_from_slice(piece.as_bytes());
    }
    let given = headers.iter().map(|(n, v)| (n.as_ref(), v.as_ref()));
    for (name, value) in defaults_used.into_iter().chain(given) {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if with_length {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http1::HttpErrorKind;

    fn encode(headers: &[(&str, &str)], body: &[u8]) -> Result<Vec<u8>, HttpError> {
        encode_request(
            "POST",
            "/v1/messages?x=1",
            "api.example.com:8443",
            headers,
            body,
        )
    }

    #[test]
    fn writes_the_request_byte_exactly() {
        let wire = encode(
            &[
                ("Authorization", "Bearer k"),
                ("x-empty", ""),
                ("X-Tab", "a\tb é"),
            ],
            b"{}",
        )
        .unwrap();
        assert_eq!(
            wire,
            "POST /v1/messages?x=1 HTTP/1.1\r\nHost: api.example.com:8443\r\n\
             Authorization: Bearer k\r\nx-empty: \r\nX-Tab: a\tb é\r\n\
             Content-Length: 2\r\n\r\n{}"
                .as_bytes()
        );
    }

    #[test]
    fn defaults_fill_in_the_headers_the_caller_did_not_set() {
        let defaults = [("accept", "*/*"), ("user-agent", "me/1")];
        let wire = encode_request_with_defaults(
            "POST",
            "/",
            "h",
            &defaults,
            &[("User-Agent", "you/2"), ("x-k", "v")],
            b"",
        )
        .unwrap();
        assert_eq!(
            wire,
            b"POST / HTTP/1.1\r\nHost: h\r\naccept: */*\r\nUser-Agent: you/2\r\nx-k: v\r\n\
              Content-Length: 0\r\n\r\n"
        );
        let none: &[(&str, &str)] = &[];
        let err = encode_request_with_defaults("GET", "/", "h", &[("a", "\n")], none, b"");
        assert_eq!(err.unwrap_err().kind(), HttpErrorKind::InvalidRequest);
    }

    #[test]
    fn content_length_follows_the_method_and_body() {
        let none: &[(&str, &str)] = &[];
        let get = encode_request("GET", "/", "h", none, b"").unwrap();
        assert_eq!(get, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        let post = encode_request("POST", "/", "h", none, b"").unwrap();
        assert_eq!(
            post,
            b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"
        );
        let get_body = encode_request("GET", "/", "h", none, b"x").unwrap();
        assert!(get_body.ends_with(b"Content-Length: 1\r\n\r\nx"));
    }

    #[test]
    fn rejects_header_injection_and_names_the_header() {
        for (value, what) in [
            ("k\r\nX-Evil: 1", "carriage return"),
            ("k\nX", "line feed"),
            ("k\0", "NUL"),
            ("k\x1b", "0x1b"),
            ("k\x7f", "0x7f"),
        ] {
            let err = encode(&[("Ok", "v"), ("Authorization", value)], b"").unwrap_err();
            assert_eq!(err.kind(), HttpErrorKind::InvalidRequest);
            let message = err.to_string();
            assert!(message.contains("\"Authorization\""), "{message}");
            assert!(message.contains(what), "{message}");
            assert!(
                !message.contains("X-Evil"),
                "the value is not echoed: {message}"
            );
        }
    }

    #[test]
    fn rejects_bad_names_methods_targets_and_hosts() {
        for name in ["", "Bad Name", "Bad:Name", "Bad\r\nName", "Ünï"] {
            let err = encode(&[(name, "v")], b"").unwrap_err();
            assert!(err.to_string().contains("header name"), "{name:?}: {err}");
        }
        for name in ["Host", "content-length", "Transfer-Encoding"] {
            let err = encode(&[(name, "1")], b"").unwrap_err();
            assert!(
                err.to_string().contains("set by the request encoder"),
                "{err}"
            );
        }
        let none: &[(&str, &str)] = &[];
        for (method, target, host) in [
            ("PO ST", "/", "h"),
            ("", "/", "h"),
            ("POST", "/a b", "h"),
            ("POST", "/\r\nX: y", "h"),
            ("POST", "", "h"),
            ("POST", "/é", "h"),
            ("POST", "/", "h\r\nX: y"),
            ("POST", "/", "h h"),
            ("POST", "/", ""),
        ] {
            let err = encode_request(method, target, host, none, b"").unwrap_err();
            assert_eq!(err.kind(), HttpErrorKind::InvalidRequest, "{err}");
        }
    }
}
