"""Executes examples/python-tour.ipynb (nbclient, python3 kernel) so it never rots."""

import os
import unittest

from _common import ROOT


class NotebookTest(unittest.TestCase):
    def test_python_tour_runs(self):
        import nbformat
        from nbclient import NotebookClient

        path = os.path.join(ROOT, "examples", "python-tour.ipynb")
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": os.path.dirname(path)}}).execute()
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        self.assertFalse([o for o in outputs if o.output_type == "error"])
        # The results showed themselves (PNG from _repr_png_ or the plots).
        self.assertTrue(any("image/png" in o.get("data", {}) for o in outputs))


if __name__ == "__main__":
    unittest.main()
