"""`pip install ./python` into a fresh venv (offline: Debian's setuptools/wheel, --no-build-isolation
--no-deps, numpy from the system site) gives a working `import polytope_lens` outside the checkout."""

import os
import subprocess
import sys
import tempfile
import unittest

from _common import ROOT


class InstallTest(unittest.TestCase):
    def test_pip_install_in_a_venv(self):
        # The installed copy must be found, not the checkout (the vitest hook sets PYTHONPATH).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        with tempfile.TemporaryDirectory() as tmp:
            venv = os.path.join(tmp, "venv")
            subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", venv], check=True, capture_output=True)
            py = os.path.join(venv, "bin", "python")
            # No pip in the venv: the system-site pip (Debian python3-pip) runs inside it.
            # Build from a copy, so the checkout gets no build/ or egg-info folders.
            src = os.path.join(tmp, "src")
            subprocess.run(["cp", "-r", os.path.join(ROOT, "python"), src], check=True)
            r = subprocess.run(
                [py, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps", "--no-index", src],
                capture_output=True,
                text=True,
                env=env,
            )
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            script = (
                "import polytope_lens as pl, json, os, sys\n"
                "assert 'site-packages' in pl.__file__, pl.__file__\n"
                "p = os.path.join(sys.argv[1], 'n.json')\n"
                "json.dump({'format': 'polytope-lens/network@1', 'layers': [{'type': 'dense', 'weight': [[1, 1], [1, -1]], 'bias': [0, 0]},"
                " {'type': 'relu'}, {'type': 'dense', 'weight': [[1, 1]], 'bias': [0]}]}, open(p, 'w'))\n"
                "s = pl.load(p).slice(box=(-1, 1, -1, 1))\n"
                "print(len(s))\n"
            )
            r = subprocess.run([py, "-c", script, tmp], capture_output=True, text=True, cwd=tmp, env=env)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            # relu(x+y) + relu(x−y): the lines x = ±y cut the square into 4 regions.
            self.assertEqual(r.stdout.strip(), "4")


if __name__ == "__main__":
    unittest.main()
