#!/usr/bin/env python3
"""Export PyTorch models with dynamic dims to ONNX, with references at several shapes.

CLI:  dynamic_models.py NAME OUTDIR

writes OUTDIR/model.onnx (opset 13, symbolic dims named as below) and, for
each test shape k (0, 1, ...), OUTDIR/in<k>_<i>.npy (input i) and
OUTDIR/ref<k>_<j>.npy (PyTorch's output j), plus OUTDIR/dims.txt: the
model-compile flags that declare the ranges (e.g. `--dim batch=1:8`).
Weights and inputs are random but fixed (seeded, single-threaded torch).

NAMEs (every output is compared at the four shapes listed in the code):
  mlp   784-256-10 ReLU MLP; input x [batch, 784], batch 1..8.
        Gemm, Relu
  cnn   ResNet-style CNN; input x [batch, 3, height, width], batch 1..8,
        height/width 32..512: Conv (stride 1 and 2, padded), BatchNormalization
        (random statistics), Relu, MaxPool (padded, stride 2), a residual Add,
        a strided 1x1 downsample, GlobalAveragePool, Flatten, Gemm.
  bert  BERT-style encoder; inputs ids and mask [batch, seq] (int64), batch
        1..8, seq 1..512: embeddings (Gather) plus positions (Range over the
        run-time length), an additive attention mask, 2 layers of 4-head
        self-attention whose reshapes come from Shape/Gather/Concat chains,
        erf-GELU FFN, LayerNorm (as ReduceMean/Pow/Sqrt).
  mobilenet  torchvision's MobileNetV2 (random weights and batch-norm
        statistics, 100 classes); input x [1, 3, height, width], height/width
        32..224: depthwise and pointwise convs, ReLU6 (Clip), inverted
        residuals, GlobalAveragePool, Gemm.
  detector  text-detector-style FPN; input x [1, 3, height, width], height/
        width 32..512 (multiples of 32): stride-2 convs, nearest and bilinear
        x2 Resize, Concat with the skips, a 1x1 head, Sigmoid.
  recognizer  text-recognizer-style; input x [batch, 1, 32, width], batch
        1..4, width 8..256: convs and max pools down to height 1, Squeeze,
        Transpose to [batch, width/4, 32], a self-attention layer over the
        width, LayerNorm, a per-step classifier, LogSoftmax.
  shape_chain  output [batch, height, width * 6] computed through
        Shape/Gather/Mul/Concat/Reshape chains from x [batch, 4, height, width].
"""

import argparse
import os
import sys
import warnings

import numpy as np

SEED = 4321
OPSET = 13


def _torch():
    import torch
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    return torch


def _randomize_bn(torch, model):
    gen = torch.Generator().manual_seed(SEED + 7)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
            m.weight.data.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
            m.bias.data.copy_(torch.randn(c, generator=gen) * 0.1)


def _mlp(torch):
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    spec = {
        "inputs": [("x", ["batch", 784])],
        "dims": "--dim batch=1:8",
        "shapes": [{"batch": 1}, {"batch": 8}, {"batch": 3}, {"batch": 5}],
    }
    return model, spec


def _cnn(torch):
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(
                    nn.Conv2d(cin, cout, 1, stride, bias=False),
                    nn.BatchNorm2d(cout))

        def forward(self, x):
            y = torch.relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            return torch.relu(y + (x if self.down is None else self.down(x)))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False),
                                      nn.BatchNorm2d(16), nn.ReLU(),
                                      nn.MaxPool2d(3, 2, 1))
            self.layer1 = Block(16, 16, 1)
            self.layer2 = Block(16, 32, 2)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(32, 10)

        def forward(self, x):
            x = self.layer2(self.layer1(self.stem(x)))
            return self.fc(torch.flatten(self.pool(x), 1))

    model = Net()
    _randomize_bn(torch, model)
    spec = {
        "inputs": [("x", ["batch", 3, "height", "width"])],
        "dims": "--dim batch=1:8 --dim height=32:512 --dim width=32:512",
        "shapes": [{"batch": 1, "height": 32, "width": 32},
                   {"batch": 8, "height": 512, "width": 512},
                   {"batch": 2, "height": 45, "width": 77},
                   {"batch": 3, "height": 96, "width": 33}],
    }
    return model, spec


def _bert(torch):
    nn = torch.nn

    class Layer(nn.Module):
        def __init__(self, d, heads, ffn):
            super().__init__()
            self.heads, self.dh = heads, d // heads
            self.qkv = nn.Linear(d, 3 * d)
            self.out = nn.Linear(d, d)
            self.ln1 = nn.LayerNorm(d)
            self.ff1 = nn.Linear(d, ffn)
            self.ff2 = nn.Linear(ffn, d)
            self.ln2 = nn.LayerNorm(d)

        def forward(self, x, bias):
            b, s, d = x.shape
            q, k, v = self.qkv(x).split(d, dim=-1)
            q = q.view(b, s, self.heads, self.dh).transpose(1, 2)
            k = k.view(b, s, self.heads, self.dh).transpose(1, 2)
            v = v.view(b, s, self.heads, self.dh).transpose(1, 2)
            att = torch.matmul(q, k.transpose(-1, -2)) / (self.dh ** 0.5)
            att = torch.softmax(att + bias, dim=-1)
            ctx = torch.matmul(att, v).transpose(1, 2).reshape(b, s, d)
            x = self.ln1(x + self.out(ctx))
            return self.ln2(x + self.ff2(torch.nn.functional.gelu(self.ff1(x))))

    class Encoder(nn.Module):
        def __init__(self, vocab=100, d=64, heads=4, ffn=128, layers=2):
            super().__init__()
            self.tok = nn.Embedding(vocab, d)
            self.pos = nn.Embedding(512, d)
            self.layers = nn.ModuleList(
                [Layer(d, heads, ffn) for _ in range(layers)])

        def forward(self, ids, mask):
            s = ids.shape[1]
            pos = torch.arange(s).unsqueeze(0)
            x = self.tok(ids) + self.pos(pos)
            bias = (1.0 - mask[:, None, None, :].float()) * -10000.0
            for layer in self.layers:
                x = layer(x, bias)
            return x

    spec = {
        "inputs": [("ids", ["batch", "seq"], "int64", 100),
                   ("mask", ["batch", "seq"], "int64", 2)],
        "dims": "--dim batch=1:8 --dim seq=1:512",
        "shapes": [{"batch": 1, "seq": 1}, {"batch": 8, "seq": 512},
                   {"batch": 2, "seq": 37}, {"batch": 5, "seq": 128}],
    }
    return Encoder(), spec


def _mobilenet(torch):
    import torchvision
    model = torchvision.models.mobilenet_v2(weights=None, num_classes=100)
    _randomize_bn(torch, model)
    spec = {
        "inputs": [("x", [1, 3, "height", "width"])],
        "dims": "--dim height=32:224 --dim width=32:224",
        "shapes": [{"height": 32, "width": 32}, {"height": 224, "width": 224},
                   {"height": 96, "width": 160}, {"height": 131, "width": 57}],
    }
    return model, spec


def _detector(torch):
    nn = torch.nn
    F = torch.nn.functional

    def conv(cin, cout, stride):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.ReLU())

    class Det(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.c2, self.c3 = conv(3, 8, 2), conv(8, 16, 2), conv(16, 32, 2)
            self.m2 = conv(32 + 16, 16, 1)
            self.m1 = conv(16 + 8, 8, 1)
            self.head = nn.Conv2d(8, 2, 1)

        def forward(self, x):
            f1 = self.c1(x)
            f2 = self.c2(f1)
            f3 = self.c3(f2)
            up = F.interpolate(f3, scale_factor=2.0, mode="nearest")
            m2 = self.m2(torch.cat([up, f2], 1))
            up = F.interpolate(m2, scale_factor=2.0, mode="bilinear",
                               align_corners=False)
            m1 = self.m1(torch.cat([up, f1], 1))
            return torch.sigmoid(self.head(m1))

    spec = {
        "inputs": [("x", [1, 3, "height", "width"])],
        "dims": "--dim height=32:512 --dim width=32:512",
        "shapes": [{"height": 32, "width": 32}, {"height": 512, "width": 512},
                   {"height": 96, "width": 224}, {"height": 320, "width": 64}],
    }
    return Det(), spec


def _attention(torch, x, qkv, heads):
    """Self-attention with the exporter's shape chains (view from x.shape)."""
    b, s, d = x.shape
    dh = d // heads
    q, k, v = qkv(x).split(d, dim=-1)
    q = q.view(b, s, heads, dh).transpose(1, 2)
    k = k.view(b, s, heads, dh).transpose(1, 2)
    v = v.view(b, s, heads, dh).transpose(1, 2)
    att = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / dh ** 0.5, -1)
    return torch.matmul(att, v).transpose(1, 2).reshape(b, s, d)


def _recognizer(torch):
    nn = torch.nn

    class Rec(nn.Module):
        def __init__(self, classes=12):
            super().__init__()
            self.convs = nn.Sequential(
                nn.Conv2d(1, 16, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
                nn.Conv2d(16, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
                nn.Conv2d(32, 32, (8, 1)), nn.ReLU())
            self.qkv = nn.Linear(32, 96)
            self.norm = nn.LayerNorm(32)
            self.fc = nn.Linear(32, classes)

        def forward(self, x):
            f = self.convs(x).squeeze(2).permute(0, 2, 1)   # [b, w/4, 32]
            f = self.norm(f + _attention(torch, f, self.qkv, 4))
            return torch.log_softmax(self.fc(f), -1)

    spec = {
        "inputs": [("x", ["batch", 1, 32, "width"])],
        "dims": "--dim batch=1:4 --dim width=8:256",
        "shapes": [{"batch": 1, "width": 8}, {"batch": 4, "width": 256},
                   {"batch": 2, "width": 100}, {"batch": 3, "width": 37}],
    }
    return Rec(), spec


def _shape_chain(torch):
    nn = torch.nn

    class Chain(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = nn.Conv2d(4, 6, 1)

        def forward(self, x):
            b, c, h, w = x.shape
            y = self.proj(x).reshape(b, 6, h * w).transpose(1, 2)  # [b, h*w, 6]
            return y.reshape(b, h, w * 6) * 0.5

    spec = {
        "inputs": [("x", ["batch", 4, "height", "width"])],
        "dims": "--dim batch=1:4 --dim height=1:64 --dim width=1:64",
        "shapes": [{"batch": 1, "height": 1, "width": 1},
                   {"batch": 4, "height": 64, "width": 64},
                   {"batch": 2, "height": 7, "width": 33},
                   {"batch": 3, "height": 20, "width": 5}],
    }
    return Chain(), spec


BUILDERS = {"mlp": _mlp, "cnn": _cnn, "bert": _bert, "mobilenet": _mobilenet,
            "detector": _detector,
            "recognizer": _recognizer, "shape_chain": _shape_chain}


def build(name):
    torch = _torch()
    model, spec = BUILDERS[name](torch)
    model.eval()
    return torch, model, spec


def _concrete(dims, shape):
    return [shape[d] if isinstance(d, str) else d for d in dims]


def export(name, outdir):
    torch, model, spec = build(name)
    os.makedirs(outdir, exist_ok=True)
    rng = np.random.default_rng(SEED + 1)
    inputs_spec = [tuple(i) + (("float32", None) if len(i) == 2 else ())
                   for i in spec["inputs"]]
    names = [i[0] for i in inputs_spec]

    def make(shape):
        out = []
        for _, dims, dtype, high in inputs_spec:
            dims = _concrete(dims, shape)
            if dtype == "int64":
                x = rng.integers(0, high, size=dims).astype(np.int64)
                if high == 2:  # an attention mask: some ones at least
                    x[..., 0] = 1
            else:
                x = rng.standard_normal(dims).astype(np.float32)
            out.append(x)
        return out

    example = tuple(torch.from_numpy(x) for x in make(spec["shapes"][0]))
    dynamic_axes = {
        i[0]: {k: d for k, d in enumerate(i[1]) if isinstance(d, str)}
        for i in inputs_spec}
    path = os.path.join(outdir, "model.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.no_grad():
            torch.onnx.export(model, example, path, opset_version=OPSET,
                              input_names=names, output_names=["y"],
                              dynamic_axes=dynamic_axes,
                              do_constant_folding=True)
    for k, shape in enumerate(spec["shapes"]):
        inputs = make(shape)
        for i, x in enumerate(inputs):
            np.save(os.path.join(outdir, f"in{k}_{i}.npy"), x)
        with torch.no_grad():
            out = model(*[torch.from_numpy(x) for x in inputs])
        outs = out if isinstance(out, (tuple, list)) else (out,)
        for j, o in enumerate(outs):
            np.save(os.path.join(outdir, f"ref{k}_{j}.npy"),
                    o.numpy().astype(np.float32))
    with open(os.path.join(outdir, "dims.txt"), "w") as f:
        f.write(spec["dims"] + "\n")
    return path


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("name", choices=sorted(BUILDERS))
    p.add_argument("outdir")
    args = p.parse_args(argv)
    export(args.name, args.outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
