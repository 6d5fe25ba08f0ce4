"""The engine process: one long-lived ``node`` running the bundled engine, spoken to over stdin/stdout.

Frames (both directions): u32 little-endian header length, a JSON header, then the raw little-endian
bytes of each array named in ``header["arrays"]`` (``[{name, dtype: f64|i32|u8, shape}]``), in order.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import struct
import subprocess
import threading
from importlib import resources

import numpy as np

_DTYPES = {"f64": np.dtype("<f8"), "i32": np.dtype("<i4"), "u8": np.dtype("u1")}
_NAMES = {np.dtype("<f8"): "f64", np.dtype("<i4"): "i32", np.dtype("u1"): "u8"}


class PolytopeError(Exception):
    """An error the engine reported: ``code`` (e.g. ``unsupported``, ``bad-option``) and a one-line message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class Cancelled(PolytopeError):
    """The work was cancelled (KeyboardInterrupt)."""

    stopped_after_ms: float | None = None


def engine_path() -> str:
    """Path of the bundled engine script (``polytope_lens/engine/engine.mjs``)."""
    path = os.environ.get("POLYTOPE_LENS_ENGINE") or str(resources.files("polytope_lens") / "engine" / "engine.mjs")
    if not os.path.exists(path):
        raise PolytopeError(
            "bad-file",
            f"the bundled engine is missing ({path}); build it with `npm run bundle:engine` in the repository, then reinstall",
        )
    return path


def _node() -> str:
    node = os.environ.get("POLYTOPE_LENS_NODE") or shutil.which("node")
    if node is None:
        raise PolytopeError("bad-file", "polytope_lens needs `node` (version 20 or later) on PATH")
    return node


def _encode(header: dict, arrays: dict[str, np.ndarray]) -> bytes:
    specs, blobs = [], []
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        dt = a.dtype.newbyteorder("<") if a.dtype.byteorder not in "<|=" else a.dtype
        if a.dtype.kind == "f":
            a = a.astype("<f8")
        elif a.dtype == np.uint8:
            pass
        elif a.dtype.kind in "iub":
            a = a.astype("<i4")
        else:
            raise TypeError(f"cannot send array {name} of dtype {dt}")
        specs.append({"name": name, "dtype": _NAMES[a.dtype], "shape": list(a.shape)})
        blobs.append(a.tobytes())
    header = dict(header, arrays=specs)
    body = json.dumps(header).encode()
    return struct.pack("<I", len(body)) + body + b"".join(blobs)


class Engine:
    """One engine process. Requests run one at a time; a KeyboardInterrupt cancels the current one."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [_node(), engine_path()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
        )
        self._lock = threading.Lock()
        self._next = 1
        self._buf = bytearray()
        #: Milliseconds the engine took to stop the last cancelled call (from the cancel's arrival).
        self.last_cancel_ms: float | None = None
        hello, _ = self._read()
        if hello.get("type") != "hello":
            raise PolytopeError("internal", f"unexpected engine greeting {hello}")
        atexit.register(self.close)

    def _fill(self, n: int) -> None:
        # Bytes read stay in self._buf, so a KeyboardInterrupt between reads never loses part of a frame.
        while len(self._buf) < n:
            chunk = self._proc.stdout.read(max(n - len(self._buf), 1 << 16))
            if not chunk:
                err = self._proc.stderr.read().decode(errors="replace").strip().splitlines()
                raise PolytopeError("internal", "the engine process ended unexpectedly" + (f": {err[-1]}" if err else ""))
            self._buf += chunk

    def _read(self):
        self._fill(4)
        n = struct.unpack_from("<I", self._buf, 0)[0]
        self._fill(4 + n)
        header = json.loads(bytes(self._buf[4 : 4 + n]))
        specs = header.pop("arrays", [])
        sizes = [int(np.prod(sp["shape"], dtype=np.int64)) * _DTYPES[sp["dtype"]].itemsize for sp in specs]
        self._fill(4 + n + sum(sizes))
        arrays, off = {}, 4 + n
        for sp, size in zip(specs, sizes):
            arrays[sp["name"]] = np.frombuffer(bytes(self._buf[off : off + size]), dtype=_DTYPES[sp["dtype"]]).reshape(sp["shape"]).copy()
            off += size
        del self._buf[:off]
        return header, arrays

    def _send(self, header: dict, arrays: dict | None = None) -> None:
        self._proc.stdin.write(_encode(header, arrays or {}))
        self._proc.stdin.flush()

    def _wait(self, rid: int, bar):
        while True:
            header, arrays = self._read()
            if header.get("id") != rid and header.get("id") != -1:
                continue  # a late reply to an earlier, cancelled request
            kind = header.get("type")
            if kind == "progress":
                if bar is not None:
                    bar.update_from(header["progress"])
                continue
            if kind == "error":
                cls = Cancelled if header["code"] == "cancelled" else PolytopeError
                err = cls(header["code"], header["message"])
                if cls is Cancelled:
                    err.stopped_after_ms = header.get("stoppedAfterMs")
                raise err
            return header, arrays

    def call(self, op: str, args: dict | None = None, arrays: dict | None = None, progress: bool = False):
        """Sends one request and waits for its reply; Ctrl-C sends a cancel and re-raises KeyboardInterrupt."""
        with self._lock:
            if self._proc.poll() is not None:
                raise PolytopeError("internal", "the engine process has ended; start a new session")
            rid = self._next
            self._next += 1
            self._send({"id": rid, "op": op, "args": args or {}}, arrays)
            bar = _Progress(op) if progress else None
            try:
                return self._wait(rid, bar)
            except KeyboardInterrupt:
                self._send({"op": "cancel", "target": rid})
                try:
                    self._wait(rid, None)
                except Cancelled as err:
                    self.last_cancel_ms = err.stopped_after_ms
                except PolytopeError:
                    pass
                raise
            finally:
                if bar is not None:
                    bar.close()

    def close(self) -> None:
        """Ends the engine process (also done at interpreter exit)."""
        if self._proc.poll() is None:
            try:
                self._send({"op": "close"})
                self._proc.stdin.close()
                self._proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
        for s in (self._proc.stdout, self._proc.stderr):
            if s is not None:
                s.close()


class _Progress:
    """A tqdm bar fed by the engine's progress messages; nothing when tqdm is not installed."""

    def __init__(self, op: str) -> None:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            self._bar = None
            return
        self._bar = tqdm(desc=op, total=None, leave=False)

    def update_from(self, p: dict) -> None:
        if self._bar is None:
            return
        if "fraction" in p:
            self._bar.total = 1000
            self._bar.n = int(1000 * p["fraction"])
        elif "unitsDone" in p:
            self._bar.total = p["units"]
            self._bar.n = p["unitsDone"]
        elif "regions" in p:
            self._bar.n = p["regions"]
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


_default: Engine | None = None


def default_engine() -> Engine:
    """The session's engine, started on first use and restarted if it ended."""
    global _default
    if _default is None or _default._proc.poll() is not None:
        _default = Engine()
    return _default
