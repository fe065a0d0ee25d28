#!/usr/bin/env python3
"""The wider benchmark set (issue 14): common networks beyond the public six.

CLI:  make_bench_models.py OUTDIR [NAME...]

For each model (all of them by default) writes OUTDIR/NAME.onnx (opset 13,
static shapes, batch 1, constant folding on, checked by onnx.checker),
OUTDIR/NAME.in0.npy (the input) and OUTDIR/NAME.out0.npy (PyTorch's output
for it), then OUTDIR/manifest.json in the format of the public set's
(../shared/models/manifest.json): inputs, outputs, parameter count, node
count, op types and GFLOPs (2 x the multiply-adds of convolutions, linear
layers, LSTMs and activation-by-activation matmuls, counted in PyTorch).

Weights are random but fixed (torch seeded per model, single-threaded): two
runs write the same files. Every BatchNorm gets non-trivial running
statistics and affine parameters (test/utils/torch_models.py) and stays a
BatchNormalization node in the export, so Kiln's BN folding is exercised.

As a module: build(name) -> (eval-mode torch module, [input ndarrays]);
bench/torch_run.py times PyTorch eager on the module built this way.

  densenet121     torchvision DenseNet-121, 224x224: pre-activation
                  BN-ReLU-conv blocks with concatenations
  vgg_cifar       VGG-11 with BatchNorm at 32x32 (CIFAR-style): a plain stack
                  of 3x3 convolutions at small resolution
  efficientnet_b0 torchvision EfficientNet-B0, 224x224: squeeze-excitation,
                  SiLU, 3x3 and 5x5 depthwise convolutions
  squeezenet1_1   torchvision SqueezeNet 1.1, 224x224: "fire" modules (two
                  expand convolutions concatenated)
  resnet50        torchvision ResNet-50, 224x224: bottleneck blocks
  shufflenet_v2   torchvision ShuffleNetV2 x1.0, 224x224: channel split and
                  shuffle (Reshape/Transpose), depthwise convolutions
  gpt_decoder     GPT-style decoder: token ids 1x128 (int64), vocabulary
                  2048, learned positions, 2 pre-norm layers (d 256, 4 heads,
                  FFN 1024, tanh-GELU), causal mask (triu + masked_fill),
                  LM head -> 1x128x2048
  audio_m5        M5-style 1-D CNN on a 1x1x16000 waveform: Conv1d (kernel
                  80, stride 4) + BN + ReLU + MaxPool1d, three more Conv1d
                  blocks, mean over time, Linear -> 35 classes
  crnn            CRNN text recognizer on a 1x1x32x128 line image: 7 convs
                  (BN, ReLU, max pools to height 1), then a 2-layer
                  bidirectional LSTM (hidden 128) over the 31 columns and a
                  Linear to 37 classes -> 31x1x37
  unet_small      U-Net, 1x3x128x128, 4 levels (16..128 channels, double
                  3x3 conv-BN-ReLU), bilinear upsampling (F.interpolate) and
                  skip concatenations, 1x1 head -> 1x2x128x128
  vit_tiny        ViT: 64x64 image, 8x8 patches (Conv stride 8) -> 64 tokens
                  + class token, 6 pre-norm layers (d 192, 3 heads, MLP 768,
                  GELU), LayerNorm, head -> 1x100
  mlp_mixer       MLP-Mixer: 64x64 image, 8x8 patches -> 64 tokens, 6 layers
                  (d 128, token MLP 64, channel MLP 512, GELU) -> 1x100
"""

import json
import os
import sys
import warnings
import zlib

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "test", "utils"))
from torch_models import _randomize_bn  # noqa: E402

OPSET = 13


# ---------------------------------------------------------------------------
# Models written here (the torchvision ones are built in build())
# ---------------------------------------------------------------------------

def _conv_bn_relu(cin, cout, k=3, stride=1, pad=1):
    return [nn.Conv2d(cin, cout, k, stride, pad, bias=False),
            nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class VggCifar(nn.Module):
    """VGG-11 with BatchNorm, sized for 32x32 images."""

    def __init__(self, classes=10):
        super().__init__()
        layers, cin = [], 3
        for v in (64, "M", 128, "M", 256, 256, "M", 512, 512, "M",
                  512, 512, "M"):
            if v == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                layers += _conv_bn_relu(cin, v)
                cin = v
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(512, classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class CausalSelfAttention(nn.Module):
    def __init__(self, d, heads, seq):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.register_buffer(
            "mask", torch.triu(torch.ones(seq, seq, dtype=torch.bool), 1))

    def forward(self, x):
        b, t, d = x.shape
        h = self.heads
        q, k, v = self.qkv(x).split(d, dim=2)
        q = q.reshape(b, t, h, d // h).transpose(1, 2)
        k = k.reshape(b, t, h, d // h).transpose(1, 2)
        v = v.reshape(b, t, h, d // h).transpose(1, 2)
        s = q @ k.transpose(-2, -1) / float(np.sqrt(d // h))
        s = s.masked_fill(self.mask[:t, :t], float("-inf"))
        y = torch.softmax(s, dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, d))


class GptBlock(nn.Module):
    def __init__(self, d, heads, ffn, seq):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, heads, seq)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, ffn),
                                 nn.GELU(approximate="tanh"),
                                 nn.Linear(ffn, d))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GptDecoder(nn.Module):
    def __init__(self, vocab=2048, seq=128, d=256, heads=4, ffn=1024,
                 layers=2):
        super().__init__()
        self.tokens = nn.Embedding(vocab, d)
        self.positions = nn.Parameter(torch.zeros(1, seq, d))
        self.blocks = nn.Sequential(*[GptBlock(d, heads, ffn, seq)
                                      for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        x = self.tokens(ids) + self.positions[:, :ids.shape[1]]
        return self.head(self.ln(self.blocks(x)))


class AudioM5(nn.Module):
    """M5 (Dai et al. 2017) on a 1-second 16 kHz waveform."""

    def __init__(self, classes=35, width=128):
        super().__init__()

        def block(cin, cout, k, stride=1):
            return [nn.Conv1d(cin, cout, k, stride, bias=False),
                    nn.BatchNorm1d(cout), nn.ReLU(inplace=True),
                    nn.MaxPool1d(4)]
        self.features = nn.Sequential(
            *block(1, width, 80, 4), *block(width, width, 3),
            *block(width, 2 * width, 3), *block(2 * width, 4 * width, 3))
        self.fc = nn.Linear(4 * width, classes)

    def forward(self, x):
        return self.fc(self.features(x).mean(dim=2))


class Crnn(nn.Module):
    """CRNN (Shi et al. 2015) text recognizer on a 32-pixel-high line."""

    def __init__(self, classes=37, hidden=128):
        super().__init__()
        self.cnn = nn.Sequential(
            *_conv_bn_relu(1, 64), nn.MaxPool2d(2),
            *_conv_bn_relu(64, 128), nn.MaxPool2d(2),
            *_conv_bn_relu(128, 256), *_conv_bn_relu(256, 256),
            nn.MaxPool2d((2, 1)),
            *_conv_bn_relu(256, 512), *_conv_bn_relu(512, 512),
            nn.MaxPool2d((2, 1)),
            *_conv_bn_relu(512, 512, k=2, pad=0))
        self.rnn = nn.LSTM(512, hidden, num_layers=2, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, classes)

    def forward(self, x):
        f = self.cnn(x).squeeze(2)            # N x C x W
        y, _ = self.rnn(f.permute(2, 0, 1))   # W x N x 2H
        return self.fc(y)                     # W x N x classes


class UNetSmall(nn.Module):
    def __init__(self, classes=2, widths=(16, 32, 64, 128)):
        super().__init__()

        def double(cin, cout):
            return nn.Sequential(*_conv_bn_relu(cin, cout),
                                 *_conv_bn_relu(cout, cout))
        self.down = nn.ModuleList()
        cin = 3
        for w in widths:
            self.down.append(double(cin, w))
            cin = w
        self.up = nn.ModuleList(double(widths[i + 1] + widths[i], widths[i])
                                for i in reversed(range(len(widths) - 1)))
        self.head = nn.Conv2d(widths[0], classes, 1)

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.down):
            if i:
                x = F.max_pool2d(x, 2)
            x = block(x)
            skips.append(x)
        for block, skip in zip(self.up, reversed(skips[:-1])):
            x = F.interpolate(x, scale_factor=2.0, mode="bilinear",
                              align_corners=False)
            x = block(torch.cat([x, skip], dim=1))
        return self.head(x)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        b, t, d = x.shape
        h = self.heads
        qkv = self.qkv(x).reshape(b, t, 3, h, d // h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        s = (q @ k.transpose(-2, -1)) * float(1 / np.sqrt(d // h))
        y = torch.softmax(s, dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, d))


class VitBlock(nn.Module):
    def __init__(self, d, heads, mlp):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = Attention(d, heads)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, mlp), nn.GELU(),
                                 nn.Linear(mlp, d))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class VitTiny(nn.Module):
    def __init__(self, image=64, patch=8, d=192, heads=3, mlp=768, layers=6,
                 classes=100):
        super().__init__()
        tokens = (image // patch) ** 2
        self.patch = nn.Conv2d(3, d, patch, patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        self.positions = nn.Parameter(torch.zeros(1, tokens + 1, d))
        self.blocks = nn.Sequential(*[VitBlock(d, heads, mlp)
                                      for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)
        x = self.blocks(x + self.positions)
        return self.head(self.ln(x)[:, 0])


class MixerBlock(nn.Module):
    def __init__(self, tokens, d, token_mlp, channel_mlp):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.token_mlp = nn.Sequential(nn.Linear(tokens, token_mlp), nn.GELU(),
                                       nn.Linear(token_mlp, tokens))
        self.ln2 = nn.LayerNorm(d)
        self.channel_mlp = nn.Sequential(nn.Linear(d, channel_mlp), nn.GELU(),
                                         nn.Linear(channel_mlp, d))

    def forward(self, x):
        x = x + self.token_mlp(self.ln1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mlp(self.ln2(x))


class MlpMixer(nn.Module):
    def __init__(self, image=64, patch=8, d=128, token_mlp=64,
                 channel_mlp=512, layers=6, classes=100):
        super().__init__()
        tokens = (image // patch) ** 2
        self.patch = nn.Conv2d(3, d, patch, patch)
        self.blocks = nn.Sequential(*[MixerBlock(tokens, d, token_mlp,
                                                 channel_mlp)
                                      for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        return self.head(self.ln(self.blocks(x)).mean(dim=1))


# ---------------------------------------------------------------------------
# name -> (constructor, input shape, input kind)
# ---------------------------------------------------------------------------

def _tv(name, **kw):
    def make():
        import torchvision
        return getattr(torchvision.models, name)(weights=None, **kw)
    return make


IMAGE = (1, 3, 224, 224)
MODELS = {
    "densenet121": (_tv("densenet121"), IMAGE, "image"),
    "vgg_cifar": (VggCifar, (1, 3, 32, 32), "image"),
    "efficientnet_b0": (_tv("efficientnet_b0"), IMAGE, "image"),
    "squeezenet1_1": (_tv("squeezenet1_1"), IMAGE, "image"),
    "resnet50": (_tv("resnet50"), IMAGE, "image"),
    "shufflenet_v2": (_tv("shufflenet_v2_x1_0"), IMAGE, "image"),
    "gpt_decoder": (GptDecoder, (1, 128), "ids:2048"),
    "audio_m5": (AudioM5, (1, 1, 16000), "image"),
    "crnn": (Crnn, (1, 1, 32, 128), "image"),
    "unet_small": (UNetSmall, (1, 3, 128, 128), "image"),
    "vit_tiny": (VitTiny, (1, 3, 64, 64), "image"),
    "mlp_mixer": (MlpMixer, (1, 3, 64, 64), "image"),
}
NAMES = list(MODELS)


def _randomize_transformer(model, seed):
    """Every parameter of a transformer its own random value: zero
    positions / class tokens, unit LayerNorms and zero biases would leave
    parts of the graph trivially foldable. Weights ~ N(0, 1/fan-in)
    (fan-in: all but the first dim, so also right for the patch
    convolution), embeddings / positions / class tokens ~ N(0, 0.25),
    LayerNorm scales in [0.5, 1.5), other vectors ~ N(0, 0.01)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.split(".")[0] in ("tokens", "positions", "cls"):
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)
            elif p.dim() >= 2:
                fan_in = int(np.prod(p.shape[1:]))
                p.copy_(torch.randn(p.shape, generator=g) / np.sqrt(fan_in))
            elif name.split(".")[-2].startswith("ln") and \
                    name.endswith("weight"):
                p.copy_(torch.rand(p.shape, generator=g) + 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)


def _seed(name):
    return zlib.crc32(name.encode()) & 0x7fffffff


def build(name):
    """(eval-mode module, [input ndarrays]) for NAME, the same every call."""
    if name not in MODELS:
        raise SystemExit("make_bench_models.py: unknown model '%s' (known: %s)"
                         % (name, ", ".join(NAMES)))
    make, shape, kind = MODELS[name]
    seed = _seed(name)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = make()
    if kind.startswith("ids:"):
        x = rng.integers(0, int(kind[4:]), shape).astype(np.int64)
    else:
        x = rng.standard_normal(shape, dtype=np.float32)
    if any(isinstance(m, nn.modules.batchnorm._BatchNorm)
           for m in model.modules()):
        calib = (2,) + tuple(shape[1:])
        _randomize_bn(torch, model, calib, seed=seed + 2)
    elif kind == "image" and any(isinstance(m, nn.LayerNorm)
                                 for m in model.modules()) or \
            kind.startswith("ids:"):
        _randomize_transformer(model, seed + 3)
    model.eval()
    return model, [x]


# ---------------------------------------------------------------------------
# Export and manifest
# ---------------------------------------------------------------------------

def _gflops(model, inputs):
    """2 x the multiply-adds of convolutions, linear layers, LSTMs/GRUs
    (forward hooks on the modules) and of matmuls between activations
    (attention: aten::matmul/bmm in a trace of the module)."""
    macs = [0]

    def hook(m, args, out):
        if isinstance(m, nn.modules.conv._ConvNd):
            macs[0] += out.numel() * int(np.prod(m.weight.shape[1:]))
        elif isinstance(m, nn.Linear):
            macs[0] += out.numel() * m.in_features
        elif isinstance(m, (nn.LSTM, nn.GRU)):
            gates = 4 if isinstance(m, nn.LSTM) else 3
            steps = args[0].shape[0] * args[0].shape[1]
            dirs = 2 if m.bidirectional else 1
            for layer in range(m.num_layers):
                size_in = m.input_size if layer == 0 else dirs * m.hidden_size
                macs[0] += (steps * dirs * gates * m.hidden_size
                            * (size_in + m.hidden_size))

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    tensors = tuple(torch.from_numpy(x) for x in inputs)
    with torch.no_grad():
        model(*tensors)
        for h in handles:
            h.remove()
        traced = torch.jit.trace(model, tensors, check_trace=False)
    for n in traced.inlined_graph.nodes():
        if n.kind() in ("aten::matmul", "aten::bmm"):
            a = next(n.inputs()).type().sizes()
            macs[0] += int(np.prod(n.output().type().sizes())) * a[-1]
    return 2 * macs[0] / 1e9


def _value_infos(values):
    from onnx import mapping
    out = []
    for v in values:
        t = v.type.tensor_type
        out.append({"name": v.name,
                    "shape": [d.dim_value for d in t.shape.dim],
                    "dtype": str(mapping.TENSOR_TYPE_TO_NP_TYPE[t.elem_type])})
    return out


def export(name, outdir):
    import onnx
    model, inputs = build(name)
    torch.set_num_threads(1)
    tensors = tuple(torch.from_numpy(x) for x in inputs)
    with torch.no_grad():
        ref = model(*tensors)
    path = os.path.join(outdir, name + ".onnx")
    input_names = ["input"] if len(inputs) == 1 else \
        ["input%d" % i for i in range(len(inputs))]
    # TrainingMode.PRESERVE on an eval-mode model exports inference-mode ops
    # but keeps every BatchNormalization node (no exporter-side folding into
    # the Conv before it): Kiln's own folding is what runs.
    warnings.filterwarnings("ignore")
    torch.onnx.export(model, tensors, path, export_params=True,
                      opset_version=OPSET, do_constant_folding=True,
                      training=torch.onnx.TrainingMode.PRESERVE,
                      input_names=input_names, output_names=["output"])
    for i, x in enumerate(inputs):
        np.save(os.path.join(outdir, "%s.in%d.npy" % (name, i)), x)
    np.save(os.path.join(outdir, name + ".out0.npy"),
            ref.detach().numpy().astype(np.float32))
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    params = sum(int(np.prod(t.dims)) for t in m.graph.initializer)
    return {"name": name, "set": "wide", "file": name + ".onnx",
            "opset": {"ai.onnx": OPSET},
            "inputs": _value_infos(m.graph.input),
            "outputs": _value_infos(m.graph.output),
            "params_onnx_initializers": params,
            "gflops": round(_gflops(model, inputs), 6),
            "gflops_method": "torch hooks and trace",
            "nodes": len(m.graph.node), "ops": dict(sorted(ops.items()))}


def main(argv):
    if len(argv) < 1 or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 1
    outdir, names = argv[0], argv[1:] or NAMES
    os.makedirs(outdir, exist_ok=True)
    manifest_path = os.path.join(outdir, "manifest.json")
    entries = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            entries = {m["name"]: m for m in json.load(f)["models"]}
    for name in names:
        entry = export(name, outdir)
        entries[name] = entry
        print("%s: %d nodes, %.3f GFLOPs, %.1f M parameters"
              % (name, entry["nodes"], entry["gflops"],
                 entry["params_onnx_initializers"] / 1e6), flush=True)
    ordered = [entries[n] for n in NAMES if n in entries]
    with open(manifest_path, "w") as f:
        json.dump({"opset": OPSET, "models": ordered}, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
