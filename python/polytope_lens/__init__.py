"""Polytope Lens from Python: exact activation regions of piecewise-linear networks, numpy in and out.

    import polytope_lens as pl
    net = pl.from_torch(model, torch.zeros(1, 2))
    s = net.slice(box=(-2, 2, -2, 2))
    s.plot(color="class")

The engine is the project's own Node code, bundled into one file inside this package; it needs
``node`` (20 or later) on PATH. See docs/python.md.
"""

from ._engine import Cancelled, Engine, PolytopeError, default_engine, engine_path
from ._network import Network, from_torch, load
from ._results import Affine, Line, Polytopes, Slice, Walk

__all__ = [
    "Affine",
    "Cancelled",
    "Engine",
    "Line",
    "Network",
    "PolytopeError",
    "Polytopes",
    "Slice",
    "Walk",
    "default_engine",
    "engine_path",
    "from_torch",
    "load",
]
__version__ = "0.1.0"
