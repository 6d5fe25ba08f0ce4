"""Networks held by the engine, and the calls on them."""

from __future__ import annotations

import os
import tempfile

import numpy as np

from ._engine import Engine, PolytopeError, default_engine
from ._results import Affine, Line, Polytopes, Slice, Walk


def _vec(x, n: int, what: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64).reshape(-1)
    if a.size != n:
        raise PolytopeError("shape-mismatch", f"{what} has {a.size} values but the network has {n} inputs")
    if not np.all(np.isfinite(a)):
        raise PolytopeError("bad-option", f"{what} has a non-finite value")
    return a


def _box(box, n: int) -> list[float]:
    b = [float(v) for v in box]
    if len(b) != 2 * n:
        raise PolytopeError("bad-option", f"box needs {2 * n} numbers (lo, hi per axis), got {len(b)}")
    return b


class Network:
    """A network loaded in the engine. Build with :func:`load` or :func:`from_torch`."""

    def __init__(self, engine: Engine, info: dict) -> None:
        self._engine = engine
        self.handle = info["handle"]
        self.input_size: int = info["inputSize"]
        self.output_size: int = info["outputSize"]
        self.num_units: int = info["numUnits"]
        self.input_shape: tuple = tuple(info["inputShape"])
        self.num_parameters: int = info["numParameters"]

    def __repr__(self) -> str:
        return f"<polytope_lens.Network inputs={self.input_shape} outputs={self.output_size} units={self.num_units}>"

    def _call(self, op, args=None, arrays=None, progress=True):
        return self._engine.call(op, dict(args or {}, handle=self.handle), arrays, progress=progress)

    def affine(self, x):
        """The affine map of the region containing ``x``: ``(J, y, code)`` with f(z) = J z + offset there, y = f(x)."""
        h, a = self._call("affine", arrays={"x": _vec(x, self.input_size, "x")}, progress=False)
        return Affine(a["J"], a["y"], a["code"], a["offset"])

    def line(self, x0, x1) -> Line:
        """Every activation region along the segment x0 → x1 (pieces with t-ranges, codes and maps)."""
        h, a = self._call("line", arrays={"x0": _vec(x0, self.input_size, "x0"), "x1": _vec(x1, self.input_size, "x1")})
        return Line(h, a)

    def slice(self, box=None, through=None) -> Slice:
        """Exact regions of a 2-D slice: the input plane of a 2-input network (``box``), or the plane through three inputs."""
        arrays = {}
        if through is not None:
            if len(through) != 3:
                raise PolytopeError("bad-option", f"through needs three inputs (a, b, c), got {len(through)}")
            for k, p in zip("abc", through):
                arrays[k] = _vec(p, self.input_size, f"through[{'abc'.index(k)}]")
        args = {} if box is None else {"box": _box(box, 2)}
        h, a = self._call("slice", args, arrays)
        return Slice(h, a, self.output_size)

    def polytopes(self, box) -> Polytopes:
        """Every activation region of an MLP inside an axis box (input dimension 1…8), with exact vertices and volumes."""
        h, a = self._call("polytopes", {"box": _box(box, self.input_size)})
        return Polytopes(h, a)

    def walk(self, x, max_regions: int = 100, radius: float | None = None) -> Walk:
        """Regions reached from ``x`` by crossing facets (breadth first, up to ``max_regions``)."""
        args = {"maxRegions": int(max_regions)}
        if radius is not None:
            args["radius"] = float(radius)
        h, a = self._call("walk", args, {"x": _vec(x, self.input_size, "x")})
        return Walk(h, a)

    def close(self) -> None:
        """Frees the network in the engine."""
        if self._engine._proc.poll() is None:
            self._engine.call("free", {"handle": self.handle})


def load(path, *, logits: bool = False, engine: Engine | None = None) -> Network:
    """Loads an ONNX model or a network JSON file. ``logits=True`` drops a final softmax."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise PolytopeError("bad-file", f"model file '{path}' does not exist")
    eng = engine or default_engine()
    h, _ = eng.call("load", {"path": os.path.abspath(path), "logits": logits})
    return Network(eng, h)


def from_torch(module, example_input, *, logits: bool = False, engine: Engine | None = None, opset: int = 13) -> Network:
    """Exports a torch module with ``torch.onnx.export`` (eval mode, to a temporary file) and loads it.

    Refused with a :class:`PolytopeError` naming the cause: operators that are not piecewise linear
    (tanh, sigmoid, GELU, …) or that the ONNX reader does not support (the engine's message), and
    modules that torch cannot export.
    """
    import torch

    was_training = module.training
    module.eval()
    try:
        with tempfile.TemporaryDirectory(prefix="polytope-lens-") as tmp:
            path = os.path.join(tmp, "model.onnx")
            try:
                with torch.no_grad():
                    torch.onnx.export(module, (example_input,), path, opset_version=opset, input_names=["input"], output_names=["output"])
            except Exception as err:  # torch raises many types here
                raise PolytopeError("unsupported", f"torch.onnx.export failed: {str(err).splitlines()[0] if str(err) else type(err).__name__}") from err
            return load(path, logits=logits, engine=engine)
    finally:
        module.train(was_training)
