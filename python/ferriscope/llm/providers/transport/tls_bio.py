"""TLS for both drivers, done in memory: the standard `ssl` module's `SSLObject` over two
`MemoryBIO`s. The connection decrypts what its socket (sync) or plain TCP transport (async)
read and encrypts what it writes; there is no I/O here (the driver owns the socket).

Why not asyncio's own TLS (`create_connection(ssl=...)`): its `SSLProtocol` puts a second
protocol, a second transport, a write backlog and a read loop between the socket and ours,
which a streamed answer paid for on every read and write. Here a read is one BIO write and
the `SSLObject.read` calls that empty it into the connection's read buffer; a request is one
`SSLObject.write` and one transport write (a 50-delta answer over TLS: about 34 000 fewer
instructions under callgrind, some 5-10 % less client CPU). Why not an `SSLSocket` in the
sync driver: it reads each record with two syscalls and returns one record per call, where
one `recv` here takes whatever arrived and every whole record in it is decrypted at once
(4 syscalls per 50-delta answer instead of ~13, for ~4 % more user-space instructions in
the BIO copies). Measured in-process, what is left (decrypting that answer, encrypting its
request: ~11 µs) is nearly all `ssl`'s own work, the copies into and out of the BIOs and the
record crypto. The context is the same (`origin.tls_context()`: certificate store, SNI,
hostname checks), so what is verified does not change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from ferriscope._lazy import lazy_module

if TYPE_CHECKING:
    import ssl
else:  # loaded with the first https connection
    ssl = lazy_module("ssl")

__all__ = ["TlsSession"]


class TlsSession:
    """The client side of one TLS connection: bytes read from the socket go in through
    `received`, plaintext comes out of `read_into`; whatever the session has to send waits
    in `pending_output()`."""

    __slots__ = ("established", "failure", "incoming", "outgoing", "sslobj")

    def __init__(self, context: ssl.SSLContext, server_hostname: str) -> None:
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.sslobj = context.wrap_bio(
            self.incoming, self.outgoing, server_side=False, server_hostname=server_hostname
        )
        self.established = False
        self.failure: ssl.SSLError | None = None
        """A record that failed after others decrypted in the same call: raised next call."""

    def pending_output(self) -> bytes:
        """What the session has produced for the peer since last asked (may be empty)."""
        return self.outgoing.read()

    def has_input(self) -> bool:
        """Bytes wait to be decrypted (received, or inside the session): a `read_into` that
        would find nothing is skipped without the exception an empty read raises."""
        return bool(self.incoming.pending or self.sslobj.pending())

    def has_output(self) -> bool:
        """The session has produced something for the peer (a handshake message, an answer
        to a key update)."""
        return bool(self.outgoing.pending)

    def received(self, data: bytes | memoryview) -> None:
        """Bytes the socket read."""
        self.incoming.write(data)

    def handshake(self) -> bool:
        """One step of the handshake with what has arrived: True once it is complete.
        Raises `ssl.SSLError` (`ssl.SSLCertVerificationError` for an untrusted or
        mismatched certificate) when it fails."""
        try:
            self.sslobj.do_handshake()
        except ssl.SSLWantReadError:
            return False
        self.established = True
        return True

    def read_into(self, view: memoryview) -> tuple[int, bool]:
        """Decrypts what has arrived into `view`: the number of bytes written, and whether
        the peer ended the session (its close_notify). Fewer bytes than `len(view)` means
        nothing more can be decrypted until more arrives. Raises `ssl.SSLError` for a
        record that fails (once the bytes decrypted before it have been returned)."""
        failure = self.failure
        if failure is not None:
            raise failure
        sslobj = self.sslobj
        size = len(view)
        filled = 0
        try:
            while filled < size:
                # With a buffer, `read` returns the count (typeshed says bytes).
                count = cast(int, sslobj.read(size - filled, view[filled:] if filled else view))
                if not count:
                    return filled, True
                filled += count
                if not self.has_input():
                    break  # nothing left: stop without the exception an empty read raises
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLError as error:
            if not filled:
                raise
            self.failure = error  # what came before the bad record first, then the error
        return filled, False

    def encrypt(self, data: bytes) -> bytes:
        """`data` as TLS records, ready for the transport."""
        self.sslobj.write(data)
        return self.outgoing.read()

    def close_notify(self) -> bytes:
        """The alert that ends the session, for a clean close (the peer's answer is not
        awaited: the connection is closed right after)."""
        try:
            self.sslobj.unwrap()
        except ssl.SSLError:
            pass  # the peer's close_notify has not arrived: ours is written all the same
        return self.outgoing.read()
