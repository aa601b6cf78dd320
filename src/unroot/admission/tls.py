"""Server TLS from certificate and key files, reloaded in place when they change on disk.

``ssl.SSLContext.load_cert_chain`` on the live context swaps the certificate for every later
handshake; connections already open keep theirs. A new pair is first loaded into a scratch
context, so a half-written update (new certificate, old key) is ignored until it is whole.
Kubernetes updates a mounted Secret by swapping a symlink, which ``stat`` (following links) sees
as a new inode.
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path

from unroot.errors import UsageError


def _stamp(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns, st.st_size


def _context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


class ReloadingCert:
    def __init__(self, cert: Path, key: Path) -> None:
        self.cert = cert
        self.key = key
        self.context = _context()
        self.reloads = 0
        self.last_error = ""
        try:
            self._stamps = (_stamp(cert), _stamp(key))
            self.context.load_cert_chain(cert, key)
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(f"cannot load TLS certificate {cert} / key {key}: {exc}") from None

    def check(self) -> bool:
        """Reload when either file changed and the pair is valid; True when reloaded."""
        try:
            stamps = (_stamp(self.cert), _stamp(self.key))
        except OSError as exc:
            self.last_error = str(exc)
            return False
        if stamps == self._stamps:
            return False
        try:
            _context().load_cert_chain(self.cert, self.key)
            self.context.load_cert_chain(self.cert, self.key)
        except (OSError, ssl.SSLError) as exc:
            self.last_error = f"new certificate not loaded yet: {exc}"
            return False
        self._stamps = stamps
        self.reloads += 1
        self.last_error = ""
        return True
