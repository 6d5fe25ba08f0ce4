"""Shared helpers of the Python tests: the package from this checkout, the CLI, region matching."""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))

import numpy as np  # noqa: E402

CLI = os.path.join(ROOT, "packages", "cli", "bin", "polytope.js")
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def run_cli(*args: str) -> dict:
    """Runs the polytope CLI with --json to a temp file and returns the parsed JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        r = subprocess.run([os.environ.get("POLYTOPE_LENS_NODE", "node"), CLI, *args, "--json", out, "--quiet"], capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError(f"CLI {args} failed ({r.returncode}): {r.stderr}")
        with open(out) as f:
            return json.load(f)


def key(states) -> str:
    """The CLI's code key without the layer separators."""
    return "".join(DIGITS[int(v)] if v < 36 else f"({int(v)})" for v in states)


def vec(x) -> str:
    return ",".join(repr(float(v)) for v in np.asarray(x).reshape(-1))
