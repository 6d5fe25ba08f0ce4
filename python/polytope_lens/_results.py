"""Result objects: numpy arrays plus matplotlib plots (and PNG/SVG for Jupyter)."""

from __future__ import annotations

import io
import numpy as np

COLOR_MODES = ("region", "class", "output", "linear-region")


class Affine:
    """The affine map of one region: f(z) = J z + offset there; y = f(x); code = activation states.
    Unpacks as ``J, y, code = net.affine(x)``."""

    def __init__(self, J: np.ndarray, y: np.ndarray, code: np.ndarray, offset: np.ndarray) -> None:
        self.J, self.y, self.code, self.offset = J, y, code, offset

    def __iter__(self):
        return iter((self.J, self.y, self.code))

    def __repr__(self) -> str:
        return f"<polytope_lens.Affine outputs={self.J.shape[0]} inputs={self.J.shape[1]}>"


def _unpacked(codes: np.ndarray) -> tuple[np.ndarray, int]:
    return codes, codes.shape[1] if codes.ndim == 2 else 0


class _Plottable:
    """PNG/SVG rendering through ``plot`` (matplotlib, Agg)."""

    def _render(self, fmt: str):
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure

        fig = Figure(figsize=(5, 5))
        ax = fig.add_subplot()
        self.plot(ax=ax)
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, bbox_inches="tight")
        return buf.getvalue()

    def _repr_png_(self) -> bytes:
        return self._render("png")

    def _repr_svg_(self) -> str:
        return self._render("svg").decode()


class _Regions:
    """Codes of many regions: ``codes`` (regions × units, uint8 states) and ``packed_codes`` (np.packbits)."""

    codes: np.ndarray

    @property
    def packed_codes(self) -> np.ndarray:
        """Codes packed 8 states a byte (``np.packbits(axis=1)``) when every state is 0 or 1."""
        if self.codes.size and self.codes.max() > 1:
            raise ValueError("codes with states above 1 (max-pool, hard-tanh) do not pack into bits; use .codes")
        return np.packbits(self.codes, axis=1)

    def __len__(self) -> int:
        return int(self.codes.shape[0])


class Slice(_Regions, _Plottable):
    """A 2-D slice: region polygons in plane coordinates (CSR: ``xy[offsets[i]:offsets[i+1]]``), ``areas``,
    ``maps`` (regions × outputs × 3: value c + a·s + b·t), ``codes``, ``linear_region`` ids, the decision
    ``boundary`` (CSR too), the plane (``origin + s·u + t·v``), ``box`` and ``summary`` (the engine's counts)."""

    def __init__(self, header: dict, a: dict, outputs: int) -> None:
        self.summary: dict = header["summary"]
        self.box = tuple(header["box"])
        self.offsets, self.xy, self.areas, self.maps = a["offsets"], a["xy"], a["areas"], a["maps"]
        self.codes, self.linear_region = a["codes"], a["linear_region"]
        self.boundary_offsets, self.boundary_xy = a["boundary_offsets"], a["boundary_xy"]
        self.origin, self.u, self.v = a["origin"], a["u"], a["v"]
        self.outputs = outputs

    def __repr__(self) -> str:
        return f"<polytope_lens.Slice regions={len(self)} linear_regions={self.summary['linearRegions']} box={self.box}>"

    def polygon(self, i: int) -> np.ndarray:
        """Vertices of region i (k × 2, counter-clockwise)."""
        return self.xy[self.offsets[i] : self.offsets[i + 1]]

    def centroids(self) -> np.ndarray:
        """Vertex means of the regions (inside each convex region)."""
        counts = np.diff(self.offsets)
        sums = np.add.reduceat(self.xy, self.offsets[:-1], axis=0) if len(self) else np.zeros((0, 2))
        return sums / counts[:, None]

    def outputs_at(self, st: np.ndarray) -> np.ndarray:
        """Network outputs of each region's map at plane points st (regions × 2) → regions × outputs."""
        return self.maps[:, :, 0] + self.maps[:, :, 1] * st[:, :1] + self.maps[:, :, 2] * st[:, 1:2]

    def to_plane(self, points) -> np.ndarray:
        """Plane coordinates (s, t) of input points (projected onto the plane)."""
        p = np.asarray(points, dtype=np.float64).reshape(len(points), -1)
        if p.shape[1] == 2 and self.origin.size != 2:
            return p
        d = p - self.origin
        return np.stack([d @ self.u / (self.u @ self.u), d @ self.v / (self.v @ self.v)], axis=1)

    def values(self, color: str) -> np.ndarray:
        """The colour value of each region for a colour mode."""
        if color not in COLOR_MODES:
            raise ValueError(f"color must be one of {', '.join(COLOR_MODES)}, got {color!r}")
        if color == "region":
            return np.arange(len(self))
        if color == "linear-region":
            return self.linear_region.astype(np.int64)
        out = self.outputs_at(self.centroids())
        if color == "output":
            return out[:, 0]
        return (out[:, 0] > 0).astype(np.int64) if self.outputs == 1 else np.argmax(out, axis=1)

    def plot(self, ax=None, color: str = "region", points=None, labels=None):
        """Draws the regions (coloured by ``color``), the decision boundary, and optional points (coloured by labels)."""
        import matplotlib.pyplot as plt
        from matplotlib.collections import LineCollection, PolyCollection

        if ax is None:
            ax = plt.gca()
        vals = self.values(color)
        polys = [self.polygon(i) for i in range(len(self))]
        if color == "output":
            cmap, norm = plt.get_cmap("viridis"), plt.Normalize(vals.min(initial=0), vals.max(initial=1))
            faces = cmap(norm(vals))
        else:
            cmap = plt.get_cmap("tab10" if color == "class" else "tab20")
            faces = cmap((vals * (1 if color == "class" else 7)) % cmap.N)
        ax.add_collection(PolyCollection(polys, facecolors=faces, edgecolors="white", linewidths=0.3))
        lines = [self.boundary_xy[self.boundary_offsets[i] : self.boundary_offsets[i + 1]] for i in range(len(self.boundary_offsets) - 1)]
        ax.add_collection(LineCollection(lines, colors="black", linewidths=1.2))
        if points is not None:
            st = self.to_plane(points)
            ax.scatter(st[:, 0], st[:, 1], c=labels if labels is not None else "black", cmap="tab10", s=12, edgecolors="white", linewidths=0.4, zorder=3)
        s0, s1, t0, t1 = self.box
        ax.set_xlim(s0, s1)
        ax.set_ylim(t0, t1)
        ax.set_aspect("equal")
        ax.set_title(f"{len(self)} regions, {self.summary['linearRegions']} linear regions")
        return ax


class Line(_Regions, _Plottable):
    """Pieces of a segment x(t) = x0 + t (x1 − x0): ``t0``, ``t1``, ``codes``, ``maps`` (pieces × outputs × 2:
    value a + b·t) and the interior ``breakpoints``."""

    def __init__(self, header: dict, a: dict) -> None:
        self.t0, self.t1, self.maps, self.codes, self.breakpoints = a["t0"], a["t1"], a["maps"], a["codes"], a["breakpoints"]
        self.seconds = header.get("seconds")

    def __repr__(self) -> str:
        return f"<polytope_lens.Line pieces={len(self)}>"

    def plot(self, ax=None, color: str = "region", points=None, labels=None):
        """Each output along the segment (exact, piecewise linear), with the breakpoints."""
        import matplotlib.pyplot as plt

        if ax is None:
            ax = plt.gca()
        for k in range(self.maps.shape[1]):
            ts = np.stack([self.t0, self.t1], axis=1)
            ys = self.maps[:, k, :1] + self.maps[:, k, 1:] * ts
            ax.plot(ts.reshape(-1), ys.reshape(-1), label=f"output {k}")
        for b in self.breakpoints:
            ax.axvline(b, color="grey", linewidth=0.3)
        ax.set_xlabel("t")
        ax.set_title(f"{len(self)} pieces")
        return ax


class Polytopes(_Regions, _Plottable):
    """Activation regions in a box: vertices (CSR: ``vertices[offsets[i]:offsets[i+1]]``, each d values),
    ``volumes``, ``interior`` points, ``codes``, ``f_vectors``, ``total_volume``, ``box_volume``."""

    def __init__(self, header: dict, a: dict) -> None:
        self.offsets, self.vertices, self.volumes, self.interior, self.codes = a["offsets"], a["vertices"], a["volumes"], a["interior"], a["codes"]
        self.total_volume, self.box_volume = header["totalVolume"], header["boxVolume"]
        self.f_vectors = header["fVectors"]

    def __repr__(self) -> str:
        return f"<polytope_lens.Polytopes regions={len(self)} dim={self.vertices.shape[1]}>"

    def plot(self, ax=None, color: str = "region", points=None, labels=None):
        """Draws 2-D polytopes (convex hull order) coloured by index; other dimensions are refused."""
        import matplotlib.pyplot as plt
        from matplotlib.collections import PolyCollection

        if self.vertices.shape[1] != 2:
            raise ValueError(f"plot draws 2-D polytopes only; these are {self.vertices.shape[1]}-D")
        if ax is None:
            ax = plt.gca()
        polys = []
        for i in range(len(self)):
            v = self.vertices[self.offsets[i] : self.offsets[i + 1]]
            c = v.mean(axis=0)
            polys.append(v[np.argsort(np.arctan2(v[:, 1] - c[1], v[:, 0] - c[0]))])
        cmap = plt.get_cmap("tab20")
        ax.add_collection(PolyCollection(polys, facecolors=cmap((np.arange(len(self)) * 7) % cmap.N), edgecolors="white", linewidths=0.3))
        ax.autoscale_view()
        ax.set_aspect("equal")
        if points is not None:
            p = np.asarray(points)
            ax.scatter(p[:, 0], p[:, 1], c=labels if labels is not None else "black", cmap="tab10", s=12, zorder=3)
        return ax


class Walk(_Regions, _Plottable):
    """Regions reached by a walk: one interior ``points`` row each, BFS ``depth``, adjacency ``edges``, ``codes``;
    ``complete`` is True when no region was left unexplored."""

    def __init__(self, header: dict, a: dict) -> None:
        self.points, self.depth, self.edges, self.codes = a["points"], a["depth"], a["edges"], a["codes"]
        self.complete: bool = header["complete"]
        self.lps = header.get("lps")

    def __repr__(self) -> str:
        return f"<polytope_lens.Walk regions={len(self)} complete={self.complete}>"

    def plot(self, ax=None, color: str = "region", points=None, labels=None):
        """The adjacency graph drawn at the regions' points (first two input coordinates), coloured by depth."""
        import matplotlib.pyplot as plt
        from matplotlib.collections import LineCollection

        if ax is None:
            ax = plt.gca()
        p = self.points[:, :2]
        ax.add_collection(LineCollection([p[list(e)] for e in self.edges], colors="grey", linewidths=0.5))
        ax.scatter(p[:, 0], p[:, 1], c=self.depth, cmap="viridis", s=14, zorder=3)
        ax.set_title(f"{len(self)} regions")
        return ax
