//! Which `llm` error a provider failure is: the one classifier (docs/spec.md §9).
//!
//! Every classification rule lives here, whichever path the failure took: the decoders in
//! `providers/` read their provider's error event and ask [`ErrorKind::from_provider_name`] and
//! [`ErrorKind::from_status`]; the Python transport hands a non-2xx response's status, error
//! names and message to [`ErrorKind::from_http`] through the binding. Python receives only the
//! kind (its index in [`ErrorKind::ALL`]) and owns the one table from kinds to its exception
//! classes (`python/ferriscope/llm/_error_kinds.py`), so no rule is written twice.

/// Which `llm.Error` class a failure maps to (docs/spec.md §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Authentication,
    Permission,
    NotFound,
    RateLimit,
    Server,
    /// An API error with no more specific class.
    Api,
    /// The stream broke off: EOF before the provider's terminal event.
    Connection,
    /// The bytes could not be decoded: malformed event JSON, an over-long line.
    ResponseValidation,
}

/// OpenAI's code for an unknown model, sent with a 404 or, by some compatible servers, a 400.
const MODEL_NOT_FOUND: &str = "model_not_found";

/// What Google's message says when it rejects an API key (with a 400 `INVALID_ARGUMENT`).
const API_KEY_NOT_VALID: &str = "api key not valid";

impl ErrorKind {
    /// Every kind, in the order of their indices (the number that crosses to Python).
    pub const ALL: [Self; 9] = [
        Self::BadRequest,
        Self::Authentication,
        Self::Permission,
        Self::NotFound,
        Self::RateLimit,
        Self::Server,
        Self::Api,
        Self::Connection,
        Self::ResponseValidation,
    ];

    /// The kind's name, as Python's table of classes spells it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::BadRequest => "BadRequest",
            Self::Authentication => "Authentication",
            Self::Permission => "Permission",
            Self::NotFound => "NotFound",
            Self::RateLimit => "RateLimit",
            Self::Server => "Server",
            Self::Api => "Api",
            Self::Connection => "Connection",
            Self::ResponseValidation => "ResponseValidation",
        }
    }

    /// The kind's position in [`Self::ALL`].
    #[must_use]
    pub fn index(self) -> u8 {
        match self {
            Self::BadRequest => 0,
            Self::Authentication => 1,
            Self::Permission => 2,
            Self::NotFound => 3,
            Self::RateLimit => 4,
            Self::Server => 5,
            Self::Api => 6,
            Self::Connection => 7,
            Self::ResponseValidation => 8,
        }
    }

    /// The kind at `index` in [`Self::ALL`], if there is one.
    #[must_use]
    pub fn from_index(index: u8) -> Option<Self> {
        Self::ALL.get(usize::from(index)).copied()
    }

    /// The class an HTTP status code maps to (docs/spec.md §9).
    #[must_use]
    pub fn from_status(status: i64) -> Self {
        match status {
            400 | 409 | 413 | 422 => Self::BadRequest,
            401 => Self::Authentication,
            403 => Self::Permission,
            404 => Self::NotFound,
            429 => Self::RateLimit,
            s if s >= 500 => Self::Server,
            _ => Self::Api,
        }
    }

    /// The class a provider's error type or code name maps to (OpenAI `code`/`type`,
    /// Anthropic `error.type`, Google `error.status`), or `None` when the name is unknown.
    #[must_use]
    pub fn from_provider_name(name: &str) -> Option<Self> {
        let kind = match name {
            "rate_limit_error"
            | "rate_limit_exceeded"
            | "RESOURCE_EXHAUSTED"
            | "insufficient_quota"
            | "rate_limit"
            | "RateLimitError" => Self::RateLimit,
            "overloaded_error"
            | "api_error"
            | "server_error"
            | "internal_error"
            | "UNAVAILABLE"
            | "INTERNAL"
            | "server_is_overloaded"
            | "DEADLINE_EXCEEDED"
            | "InternalServerError"
            | "ServiceUnavailableError" => Self::Server,
            "invalid_request_error"
            | "context_length_exceeded"
            | "invalid_prompt"
            | "request_too_large"
            | "INVALID_ARGUMENT"
            | "FAILED_PRECONDITION"
            | "OUT_OF_RANGE"
            | "invalid_request"
            | "bad_request"
            | "BadRequestError" => Self::BadRequest,
            "authentication_error" | "invalid_api_key" | "UNAUTHENTICATED" => Self::Authentication,
            "permission_error" | "permission_denied" | "PERMISSION_DENIED" => Self::Permission,
            "not_found_error" | MODEL_NOT_FOUND | "not_found" | "NOT_FOUND" | "NotFoundError" => {
                Self::NotFound
            }
            _ => return None,
        };
        Some(kind)
    }

    /// The kind once the error's message is read: a bad request whose message says the API
    /// key is not valid (Google's answer to a wrong key, in any letter case) is an
    /// authentication failure. Every other kind is kept.
    #[must_use]
    pub fn with_message(self, message: &str) -> Self {
        if self == Self::BadRequest && message.to_lowercase().contains(API_KEY_NOT_VALID) {
            Self::Authentication
        } else {
            self
        }
    }

    /// The kind of a non-2xx HTTP response (docs/spec.md §9): its status decides, read with
    /// its message ([`Self::with_message`]), except that an unknown-model code makes it
    /// `NotFound` whatever the status. `names` are the error object's string `code`, `type` and
    /// `status` fields; `message` is the message the raised error will carry.
    #[must_use]
    pub fn from_http(status: i64, names: &[&str], message: &str) -> Self {
        if names.contains(&MODEL_NOT_FOUND) {
            return Self::NotFound;
        }
        Self::from_status(status).with_message(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_and_names_follow_all() {
        for (i, kind) in ErrorKind::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(kind.index()), i);
            assert_eq!(ErrorKind::from_index(kind.index()), Some(kind));
            assert_eq!(format!("{kind:?}"), kind.name());
        }
        assert_eq!(ErrorKind::from_index(9), None);
        assert_eq!(ErrorKind::from_index(u8::MAX), None);
    }

    #[test]
    fn statuses() {
        for (status, kind) in [
            (400, ErrorKind::BadRequest),
            (409, ErrorKind::BadRequest),
            (413, ErrorKind::BadRequest),
            (422, ErrorKind::BadRequest),
            (401, ErrorKind::Authentication),
            (403, ErrorKind::Permission),
            (404, ErrorKind::NotFound),
            (429, ErrorKind::RateLimit),
            (500, ErrorKind::Server),
            (529, ErrorKind::Server),
            (599, ErrorKind::Server),
            (402, ErrorKind::Api),
            (418, ErrorKind::Api),
            (302, ErrorKind::Api),
        ] {
            assert_eq!(ErrorKind::from_status(status), kind, "{status}");
            assert_eq!(ErrorKind::from_http(status, &[], "boom"), kind, "{status}");
        }
    }

    #[test]
    fn provider_names() {
        assert_eq!(
            ErrorKind::from_provider_name("overloaded_error"),
            Some(ErrorKind::Server)
        );
        assert_eq!(
            ErrorKind::from_provider_name("RESOURCE_EXHAUSTED"),
            Some(ErrorKind::RateLimit)
        );
        assert_eq!(
            ErrorKind::from_provider_name("model_not_found"),
            Some(ErrorKind::NotFound)
        );
        assert_eq!(ErrorKind::from_provider_name("billing_error"), None);
    }

    #[test]
    fn a_rejected_api_key_is_an_authentication_failure() {
        let google = "API key not valid. Please pass a valid API key.";
        assert_eq!(
            ErrorKind::BadRequest.with_message(google),
            ErrorKind::Authentication
        );
        assert_eq!(
            ErrorKind::BadRequest.with_message("HTTP 400: api KEY not VALID"),
            ErrorKind::Authentication
        );
        assert_eq!(
            ErrorKind::BadRequest.with_message("API key not"),
            ErrorKind::BadRequest
        );
        assert_eq!(
            ErrorKind::Permission.with_message(google),
            ErrorKind::Permission
        );
        assert_eq!(
            ErrorKind::from_http(400, &[], google),
            ErrorKind::Authentication
        );
        assert_eq!(
            ErrorKind::from_http(403, &[], google),
            ErrorKind::Permission
        );
        assert_eq!(ErrorKind::from_http(500, &[], google), ErrorKind::Server);
    }

    #[test]
    fn an_unknown_model_is_not_found_whatever_the_status() {
        for status in [400, 404, 429, 500] {
            let kind =
                ErrorKind::from_http(status, &["invalid_request_error", MODEL_NOT_FOUND], "");
            assert_eq!(kind, ErrorKind::NotFound, "{status}");
        }
        // Other names do not override the status on the HTTP path.
        assert_eq!(
            ErrorKind::from_http(400, &["rate_limit_error"], ""),
            ErrorKind::BadRequest
        );
        assert_eq!(
            ErrorKind::from_http(429, &["not_found_error"], ""),
            ErrorKind::RateLimit
        );
    }
}
