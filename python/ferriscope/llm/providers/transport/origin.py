"""Where a request goes: origin, request target and Host header of a URL, whether a proxy
applies to it, and the TLS context that verifies the server."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple, cast
from urllib.parse import urlsplit

from ferriscope._lazy import lazy_module

if TYPE_CHECKING:
    import ssl
    import urllib.request
else:  # TLS on the first https connection, urllib only with a proxy in the environment
    ssl = lazy_module("ssl")
    urllib = lazy_module("urllib")

__all__ = ["Origin", "ProxyEnvironment", "split_url", "tls_context"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Where Python reads proxies from the environment only (not macOS's or Windows' settings),
# a request with none of these set has no proxy.
_ENV_ONLY = sys.platform not in ("darwin", "win32")
_PROXY_VARIABLES = tuple(
    spelling
    for name in ("http_proxy", "https_proxy", "all_proxy")
    for spelling in (name, name.upper())
)


class Origin(NamedTuple):
    """The pool key: one keep-alive pool per scheme, host and port (a tuple, so hashing it
    per request is C code)."""

    scheme: str
    host: str
    port: int

    @property
    def tls(self) -> bool:
        return self.scheme == "https"


class UnsupportedURL(ValueError):
    """A URL the own transport cannot send to (a scheme other than http/https, no host)."""


def split_url(url: str) -> tuple[Origin, str, str]:
    """The origin, the request target (path and query) and the Host header value."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UnsupportedURL(f"unsupported URL scheme {parts.scheme!r} in {url!r}")
    host = parts.hostname
    if not host:
        raise UnsupportedURL(f"no host in URL {url!r}")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError as error:  # a port that is not a number or out of range
        raise UnsupportedURL(f"invalid port in URL {url!r}") from error
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port == _DEFAULT_PORTS[scheme] else f"{shown}:{port}"
    return Origin(scheme, host, port), target, host_header


def _bypass_environment(host: str, proxies: dict[str, str]) -> bool:
    """NO_PROXY matching against the given variables (a public urllib function typeshed
    omits; read when a proxy is set, so urllib loads only then)."""
    bypass = cast(
        "Callable[[str, dict[str, str]], bool]",
        urllib.request.proxy_bypass_environment,  # type: ignore[attr-defined]
    )
    return bypass(host, proxies)


class ProxyEnvironment:
    """The proxies the environment names (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY, or
    the system's settings where Python reads them), read once, when it is made: a transport
    makes one when its provider is made, as httpx reads them when a client is made. Reading
    them per request cost more than the rest of the request's Python work together (seven
    environment lookups and urllib's parsing). The answer per URL is remembered."""

    __slots__ = ("_decided", "proxies")

    _MAX_URLS = 256

    def __init__(self) -> None:
        self.proxies: dict[str, str] = (
            {}
            if _ENV_ONLY and not any(name in os.environ for name in _PROXY_VARIABLES)
            else urllib.request.getproxies()  # without urllib's scan when nothing is set
        )
        self._decided: dict[str, str | None] = {}

    def proxy_for(self, url: str) -> str | None:
        """The proxy for `url`, or None."""
        try:
            return self._decided[url]
        except KeyError:
            pass
        proxy = self._decide(url) if self.proxies else None
        decided = self._decided
        if len(decided) >= self._MAX_URLS:
            decided.clear()
        decided[url] = proxy
        return proxy

    def _decide(self, url: str) -> str | None:
        proxies = self.proxies
        parts = urlsplit(url)
        proxy = proxies.get(parts.scheme.lower()) or proxies.get("all")
        if not proxy:
            return None
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        if _ENV_ONLY:
            if _bypass_environment(netloc, proxies) or _bypass_environment(host, proxies):
                return None
        elif urllib.request.proxy_bypass(netloc) or urllib.request.proxy_bypass(host):
            return None
        return proxy


def tls_context() -> ssl.SSLContext:
    """The client TLS context: the system store, or the file/directory that SSL_CERT_FILE /
    SSL_CERT_DIR name; certifi's bundle instead of the system store when certifi is there
    and neither variable is set (as httpx does). SNI and hostname checks are on."""
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    if cert_file or cert_dir:
        context = ssl.create_default_context(cafile=cert_file or None, capath=cert_dir or None)
    else:
        try:
            import certifi
        except ImportError:
            context = ssl.create_default_context()
        else:
            context = ssl.create_default_context(cafile=certifi.where())
    context.set_alpn_protocols(["http/1.1"])
    return context
