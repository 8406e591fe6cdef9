"""The `llm.Error` hierarchy (docs/spec.md §9).

Errors carry structured fields (status code, provider, parsed body) so callers can branch on
them without parsing messages. `PermissionError`, `ConnectionError` and `TimeoutError` shadow
the builtins by name only, as in Mirascope: `except builtins.TimeoutError` does not catch ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConnectionError",
    "Error",
    "FeatureNotSupportedError",
    "MissingAPIKeyError",
    "NoRegisteredProviderError",
    "NotFoundError",
    "ParseError",
    "PermissionError",
    "ProviderError",
    "RateLimitError",
    "ResponseValidationError",
    "RetriesExhausted",
    "ServerError",
    "StreamRestarted",
    "TimeoutError",
    "ToolError",
    "ToolExecutionError",
    "ToolNotFoundError",
]


class Error(Exception):
    """Base class of every error ferriscope raises on purpose."""


class ProviderError(Error):
    """A failure talking to a provider: HTTP status, transport, or an undecodable stream."""

    provider: str
    original_exception: Exception | None

    def __init__(
        self, message: str, provider: str, original_exception: Exception | None = None
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.original_exception = original_exception
        if original_exception is not None:
            self.__cause__ = original_exception


class APIError(ProviderError):
    """The provider answered with an error (an HTTP status or an in-stream error event)."""

    default_status_code: int | None = None
    status_code: int | None
    body: Any
    """The parsed error body (JSON) when there was one, else its text, else None."""

    def __init__(
        self,
        message: str,
        provider: str,
        status_code: int | None = None,
        original_exception: Exception | None = None,
        *,
        body: Any = None,
    ) -> None:
        super().__init__(message, provider, original_exception)
        self.status_code = status_code if status_code is not None else self.default_status_code
        self.body = body


class AuthenticationError(APIError):
    """401, or an API key the provider rejects."""

    default_status_code = 401


class PermissionError(APIError):
    """403: the key may not use this resource."""

    default_status_code = 403


class BadRequestError(APIError):
    """400, 409, 413, 422: the request itself is wrong (context too long, bad schema, …)."""

    default_status_code = 400


class NotFoundError(APIError):
    """404, or an unknown model."""

    default_status_code = 404


class RateLimitError(APIError):
    """429 or a rate-limit / quota error event."""

    default_status_code = 429
    retry_after: float | None
    """Seconds the provider asked to wait (`Retry-After`), when it said."""

    def __init__(
        self,
        message: str,
        provider: str,
        status_code: int | None = None,
        original_exception: Exception | None = None,
        *,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, provider, status_code, original_exception, body=body)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx (529 overloaded included) or a server-side error event."""

    default_status_code = 500


class ConnectionError(ProviderError):
    """The connection failed or broke off, or the stream ended before its terminal event."""


class TimeoutError(ProviderError):
    """A connect, read or pool timeout."""


class ResponseValidationError(ProviderError):
    """The provider's bytes could not be decoded (malformed event JSON, over-long line, …)."""


class ToolError(Error):
    """Base class of tool failures, stored on `ToolOutput.error` rather than raised."""


class ToolExecutionError(ToolError):
    """A tool raised (or its arguments did not validate)."""

    tool_exception: Exception | str

    def __init__(self, tool_exception: Exception | str) -> None:
        message = str(tool_exception)
        super().__init__(message)
        self.tool_exception = tool_exception
        if isinstance(tool_exception, Exception):
            self.__cause__ = tool_exception

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ToolExecutionError):
            return NotImplemented
        return str(self) == str(other) and type(self.tool_exception) is type(other.tool_exception)

    def __hash__(self) -> int:
        return hash((type(self), str(self)))


class ToolNotFoundError(ToolError):
    """The model called a tool that is not in the toolkit."""

    tool_name: str

    def __init__(self, tool_name: str) -> None:
        super().__init__(f"Tool '{tool_name}' not found in registered tools")
        self.tool_name = tool_name

    def __repr__(self) -> str:
        return f"ToolNotFoundError({self.tool_name!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ToolNotFoundError):
            return NotImplemented
        return self.tool_name == other.tool_name

    def __hash__(self) -> int:
        return hash((type(self), self.tool_name))


class ParseError(Error):
    """`response.parse()` failed: no JSON found, invalid JSON, or validation failed."""

    original_exception: Exception

    def __init__(self, message: str, original_exception: Exception) -> None:
        super().__init__(message)
        self.original_exception = original_exception
        self.__cause__ = original_exception

    def retry_message(self) -> str:
        """A message to send back to the model so it can correct its answer."""
        from json import JSONDecodeError

        from pydantic import ValidationError

        exc = self.original_exception
        if isinstance(exc, ValidationError):
            return (
                "Your response failed schema validation:\n"
                f"{exc}\n\n"
                "Please correct these issues and respond again."
            )
        if isinstance(exc, JSONDecodeError):
            return (
                "Your response could not be parsed because no valid JSON object was found. "
                "Please ensure your response contains a JSON object with opening '{' and "
                "closing '}' braces."
            )
        return (
            f"Your response could not be parsed: {exc}\n\n"
            "Please ensure your response matches the expected format."
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParseError) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash((type(self), str(self)))


class FeatureNotSupportedError(Error):
    """The chosen provider or model cannot do what the call asks (raised before sending)."""

    feature: str
    provider_id: str
    model_id: str | None

    def __init__(
        self,
        feature: str,
        provider_id: str,
        model_id: str | None = None,
        message: str | None = None,
    ) -> None:
        if message is None:
            where = f" for model '{model_id}'" if model_id is not None else ""
            message = f"Feature '{feature}' is not supported by provider '{provider_id}'{where}"
        super().__init__(message)
        self.feature = feature
        self.provider_id = provider_id
        self.model_id = model_id


class NoRegisteredProviderError(Error):
    """No registered provider scope matches the model id."""

    model_id: str

    def __init__(self, model_id: str) -> None:
        super().__init__(
            f"No provider registered for model '{model_id}'. "
            "Use llm.register_provider() to register a provider for this model."
        )
        self.model_id = model_id


class MissingAPIKeyError(Error):
    """A provider would be registered automatically, but its API key is not set."""

    provider_id: str
    env_var: str

    def __init__(
        self, provider_id: str, env_var: str, has_mirascope_fallback: bool = False
    ) -> None:
        # Mirascope's wording, which callers match on ("No API key found for anthropic").
        if has_mirascope_fallback:
            message = (
                f"No API key found for {provider_id}. Either:\n"
                f"  1. Set {env_var} environment variable, or\n"
                "  2. Set MIRASCOPE_API_KEY for cross-provider support via Mirascope Router"
            )
        else:
            message = (
                f"No API key found for {provider_id}. Set the {env_var} environment variable, "
                "or pass api_key= to llm.register_provider()."
            )
        super().__init__(message)
        self.provider_id = provider_id
        self.env_var = env_var


class FailedAttempt(Protocol):
    """One failed attempt, as the retry layer records it (`llm.retries.RetryFailure`).

    Described by shape rather than imported, so that the error hierarchy, which every layer
    uses, does not depend on the retry layer at the top of the package."""

    @property
    def model(self) -> Any:
        """The `llm.Model` that made the attempt."""

    @property
    def exception(self) -> BaseException:
        """What the attempt raised."""


class RetriesExhausted(Error):
    """Every attempt of a retried call failed (docs/spec.md §10)."""

    failures: Sequence[FailedAttempt]

    def __init__(self, failures: Sequence[FailedAttempt]) -> None:
        last = failures[-1].exception if failures else None
        # Mirascope's wording first (callers match on it), then the last error.
        models = [f.model.model_id for f in failures]
        super().__init__(
            f"All retries exhausted after {len(failures)} attempt(s) across models: {models}"
            + (f"; last error: {last}" if last else "")
        )
        self.failures = failures
        if last is not None:
            self.__cause__ = last


class StreamRestarted(Error):
    """A retried stream failed mid-way and was reset to a fresh attempt: iterate it again."""

    failure: FailedAttempt

    def __init__(self, failure: FailedAttempt) -> None:
        super().__init__(
            f"Stream restarted due to: {failure.exception}. "
            "Re-iterate the response to consume the new attempt."
        )
        self.failure = failure
        self.__cause__ = failure.exception
