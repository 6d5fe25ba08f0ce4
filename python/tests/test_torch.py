"""from_torch on an MLP, a CNN with batch-norm and max-pool, and a residual model: the slice equals the
CLI's on the same exported ONNX, and affine's J equals torch.autograd's Jacobian."""

import os
import tempfile
import unittest

from _common import key, np, run_cli, vec

import polytope_lens as pl
import torch
from torch import nn


class Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inp = nn.Linear(4, 8)
        self.a = nn.Linear(8, 8)
        self.b = nn.Linear(8, 8)
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        h = torch.relu(self.inp(x))
        h = torch.relu(h + self.b(torch.relu(self.a(h))))
        return self.out(h)


def mlp():
    return nn.Sequential(nn.Linear(3, 10), nn.ReLU(), nn.Linear(10, 10), nn.ReLU(), nn.Linear(10, 3)), torch.zeros(1, 3)


def cnn():
    bn = nn.BatchNorm2d(3)
    with torch.no_grad():
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.2, 0.2)
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), bn, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(27, 3))
    return model, torch.zeros(1, 1, 6, 6)


def relu_pattern(seq, x):
    """The ReLU on/off pattern of an nn.Sequential at x, unit by unit, as uint8 (torch's own forward)."""
    states = []
    h = x.reshape(1, -1)
    for layer in seq:
        h = layer(h)
        if isinstance(layer, nn.ReLU):
            states.append((h.reshape(-1) > 0).to(torch.uint8))
    return torch.cat(states).numpy()


def residual():
    return Residual(), torch.zeros(1, 4)


class FromTorchTest(unittest.TestCase):
    def check_model(self, build):
        torch.manual_seed(1)
        model, example = build()
        model.eval()
        net = pl.from_torch(model, example)
        d = example.numel()
        self.assertEqual(net.input_size, d)
        gen = torch.Generator().manual_seed(2)
        a, b, c = (torch.rand(d, generator=gen, dtype=torch.float64) * 2 - 1 for _ in range(3))

        # affine: J against torch.autograd, y against the module's own forward.
        m64 = model.double()
        x = a.reshape(example.shape)
        J, y, code = net.affine(a.numpy())
        Jt = torch.autograd.functional.jacobian(lambda z: m64(z.reshape(example.shape)).reshape(-1), a).numpy()
        # rtol 1e-5: torch.onnx.export folds batch-norm into the conv in float32.
        np.testing.assert_allclose(J, Jt, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(y, m64(x).detach().numpy().reshape(-1), rtol=1e-5, atol=1e-7)
        self.assertEqual(code.size, net.num_units)

        # slice through a, b, c: the same regions as the CLI on the same ONNX.
        s = net.slice(through=(a.numpy(), b.numpy(), c.numpy()))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.onnx")
            torch.onnx.export(model.float(), (example,), path, opset_version=13)
            cli = run_cli("slice", path, "--through", ";".join(vec(p.numpy()) for p in (a, b, c)), "--threads", "1")
        model.float()
        regions = cli["regions"]
        self.assertGreater(len(s), 3)
        self.assertEqual(len(s), len(regions))
        self.assertEqual(s.summary["linearRegions"], cli["summary"]["linear_regions"])
        by_key = {r["code"].replace("|", ""): r for r in regions}
        self.assertEqual(len(by_key), len(regions))
        for i in range(len(s)):
            r = by_key[key(s.codes[i])]
            self.assertAlmostEqual(s.areas[i], r["area"], places=9)
            np.testing.assert_allclose(s.maps[i], np.array(r["map"]), rtol=1e-12, atol=1e-12)
            self.assertEqual(len(s.polygon(i)), len(r["vertices"]))
        np.testing.assert_allclose(s.areas.sum(), cli["summary"]["total_area"], rtol=1e-9)
        # Each region's map predicts the module's output at its centroid (independent check via torch).
        st = s.centroids()
        pts = (s.origin + st[:, :1] * s.u + st[:, 1:] * s.v)[:5]
        want = m64.double()(torch.from_numpy(pts).reshape(-1, *example.shape[1:])).detach().numpy()
        np.testing.assert_allclose(s.outputs_at(st)[:5], want.reshape(5, -1), rtol=1e-5, atol=1e-7)
        model.float()
        return net

    def test_mlp(self):
        net = self.check_model(mlp)
        torch.manual_seed(1)
        model, example = mlp()
        model.eval()
        net = pl.from_torch(model, example)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.onnx")
            torch.onnx.export(model, (example,), path, opset_version=13)
            # line: the same breakpoints and piece codes as the CLI's line on the same ONNX.
            x0, x1 = np.array([-1.0, -0.5, 0.2]), np.array([1.0, 0.7, -0.4])
            ln = net.line(x0, x1)
            cli_line = run_cli("line", path, "--from", vec(x0), "--to", vec(x1), "--no-figure")
            self.assertEqual(len(ln.t0), len(cli_line["pieces"]))
            np.testing.assert_allclose(ln.t0, [p["t0"] for p in cli_line["pieces"]], atol=1e-12)
            np.testing.assert_allclose(ln.t1, [p["t1"] for p in cli_line["pieces"]], atol=1e-12)
            # Independently of the CLI: each piece's code is the ReLU pattern torch computes at the
            # piece's midpoint, and its map is the module's output there.
            m64 = model.double()
            for k in range(len(ln.t0)):
                t = 0.5 * (ln.t0[k] + ln.t1[k])
                xt = torch.from_numpy(x0 + t * (x1 - x0))
                np.testing.assert_array_equal(ln.codes[k], relu_pattern(m64, xt))
                want = m64(xt.reshape(1, -1)).detach().numpy().reshape(-1)
                np.testing.assert_allclose(ln.maps[k, :, 0] + ln.maps[k, :, 1] * t, want, rtol=1e-9, atol=1e-12)
            model.float()
            # polytopes in 3-D: the same regions (codes, volumes) as the CLI's; volumes fill the box.
            p = net.polytopes(box=(-1, 1, -1, 1, -1, 1))
            self.assertAlmostEqual(float(p.volumes.sum()), 8.0, places=9)
            self.assertEqual(p.vertices.shape[1], 3)
            cli_poly = run_cli("polytopes", path, "--box", "-1,1,-1,1,-1,1", "--no-figure")
            self.assertEqual(len(p.volumes), len(cli_poly["regions"]))
            want = {r["code"].replace("|", ""): r["volume"] for r in cli_poly["regions"]}
            for i in range(len(p.volumes)):
                self.assertAlmostEqual(float(p.volumes[i]), want[key(p.codes[i])], places=9)
            # walk: the same number of regions reached as the CLI's walk from the same point.
            w = net.walk(np.array([0.1, 0.2, 0.3]), max_regions=12)
            cli_walk = run_cli("walk", path, "--at", "0.1,0.2,0.3", "--max-regions", "12")
            self.assertEqual(len(w.codes), len(cli_walk["regions"]))
            self.assertEqual({key(c) for c in w.codes}, {r["code"].replace("|", "") for r in cli_walk["regions"]})
            # Independently: the walk's codes are distinct ReLU patterns and include the start's (torch).
            self.assertEqual(len({key(c) for c in w.codes}), len(w.codes))
            start = relu_pattern(model.double(), torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64))
            model.float()
            self.assertIn(key(start), {key(c) for c in w.codes})

    def test_bad_input_shape_is_one_line_error(self):
        torch.manual_seed(1)
        model, example = mlp()
        net = pl.from_torch(model.eval(), example)
        with self.assertRaises(pl.PolytopeError) as ctx:
            net.affine(np.zeros(4))
        self.assertNotIn("\n", str(ctx.exception))

    def test_cnn_batchnorm_maxpool(self):
        self.check_model(cnn)

    def test_residual(self):
        self.check_model(residual)

    def test_refuses_tanh(self):
        model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
        with self.assertRaises(pl.PolytopeError) as ctx:
            pl.from_torch(model, torch.zeros(1, 2))
        self.assertIn("Tanh", str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
