#!/usr/bin/env python3
"""Export small PyTorch models to ONNX, with an input and PyTorch's output.

CLI:  torch_models.py NAME OUTDIR

writes OUTDIR/model.onnx (opset 13, static shapes, batch 1, constant folding
on), OUTDIR/in0.npy (float32 input) and OUTDIR/ref0.npy (PyTorch's output for
it, float32).  Weights are random but fixed: every run of the same NAME writes
bitwise-identical in0.npy / ref0.npy (seeded, single-threaded torch).

NAMEs and the ONNX op types their graphs contain (torch 1.13 exporter,
opset 13; print them with `torch_models.py --list-ops NAME DIR`):

  mlp           784-512-256-10 ReLU MLP, input 1x784, output 1x10.
                Gemm(transB=1), Relu
  convnet       tiny CNN, input 1x3x32x32, output 1x10: Conv with stride 2,
                dilation (2,1) + groups 4 + pads (2,1), depthwise (group 32),
                1x1, 3x2 kernel with stride (1,2); BatchNormalization after
                two convs and after a pool; MaxPool (pads 1),
                AveragePool (pads 1, count_include_pad=0), GlobalAveragePool,
                Flatten, Gemm, Sigmoid, Clip (ReLU6 and clamp; min/max as
                Constant inputs), Relu, a swish-like gate and a residual Add.
                Add AveragePool BatchNormalization Clip Constant Conv Flatten
                Gemm GlobalAveragePool MaxPool Mul Relu Sigmoid
  resnet18      torchvision resnet18(weights=None), 1x3x224x224 -> 1x1000.
                Add BatchNormalization Conv Flatten Gemm GlobalAveragePool
                MaxPool Relu
  mobilenet_v2  torchvision mobilenet_v2(weights=None), 1x3x224x224 -> 1x1000.
                Add BatchNormalization Clip Constant Conv Flatten Gemm
                GlobalAveragePool
  encoder       nn.TransformerEncoder, 2 layers, d_model 64, 4 heads, FFN 128,
                GELU (exported as erf-GELU: Div, Erf, Add, Mul, Mul), post-norm
                LayerNorm (exported as ReduceMean/Sub/Pow/Sqrt/Div at opset 13),
                batch_first, input 1x16x64 -> 1x16x64.  The q/k/v split is
                Shape -> Gather -> arithmetic -> Slice on static shapes.
                Add Constant Div Erf Gather Gemm MatMul Mul Pow ReduceMean
                Reshape Shape Slice Softmax Sqrt Sub Transpose
  bert_base     the same encoder at BERT-base size: 12 layers, d_model 768,
                12 heads, FFN 3072, input 1x128x768 (embeddings excluded)
                -> 1x128x768 (340 MB of weights).
  bert_layer    one layer of bert_base (its kernel shapes: attention over 12
                heads at sequence 128), input 1x128x768 -> 1x128x768.

Small models of the CPU benchmark set's other families (GPU emulation
tests; BatchNorms randomized as below):

  shufflenet    ShuffleNetV2-like, input 1x3x32x32 -> 1x10: a stride-2 unit
                (two branches concatenated) and a stride-1 unit (channel split
                by Slice), each followed by a channel shuffle
                (Reshape/Transpose/Reshape); depthwise convolutions.
  gpt           GPT-style decoder, token ids 1x16 (int64, vocabulary 64) ->
                1x16x64: embedding Gather, learned positions, one pre-norm
                block (d 32, 2 heads) with a causal mask (triu + masked_fill:
                Where), tanh-GELU, LM head.
  audio1d       M5-style 1-D CNN, waveform 1x1x1000 -> 1x5: Conv1d (kernel 40,
                stride 4), BatchNorm1d, MaxPool1d, mean over time, Linear.
  crnn          CRNN-style recognizer, image 1x1x8x12 -> 6x1x6: two conv
                blocks pooled to height 1, a bidirectional LSTM and a GRU
                (hidden 8) over the 6 columns, Linear per column.
  densenet      DenseNet-like, input 1x3x16x16 -> 1x4x16x16: three
                pre-activation BN-ReLU-conv layers concatenated, a transition
                (1x1 conv, AveragePool), bilinear Resize x2 concatenated with
                the block's output (U-Net-style skip), 1x1 head.

For the models with BatchNorm every BatchNorm gets random,
non-trivial running_mean / running_var / weight / bias before export (the
running statistics are first calibrated on random data so activations stay
in a sane range, then perturbed).  The export keeps every BatchNorm as a
BatchNormalization node (inference form, one output, opset 13 attributes
epsilon / momentum), so Kiln's BN-into-Conv folding is really exercised;
convnet also has one BN after a MaxPool, which cannot fold into a Conv.

Also a module: build(name) -> (model, input ndarray); export(name, outdir).
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

SEED = 1234
OPSET = 13


def _torch():
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    return torch


def _input(shape, seed=SEED + 1, scale=1.0):
    rng = np.random.RandomState(seed)
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def _randomize_bn(torch, model, calib_shape, seed=SEED + 2):
    """Give every BatchNorm non-trivial statistics and affine parameters.

    First the running statistics are calibrated on a random batch (so the
    activations of a randomly initialised deep net neither explode nor
    vanish), then everything is perturbed randomly."""
    bns = [m for m in model.modules()
           if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        # affine parameters first, so calibration sees the final ones
        for bn in bns:
            c = bn.num_features
            bn.weight.copy_(torch.rand(c, generator=g) * 1.0 + 0.5)     # [0.5, 1.5)
            bn.bias.copy_(torch.randn(c, generator=g) * 0.2)
        # calibrate running stats (cumulative average over one batch)
        model.train()
        for bn in bns:
            bn.reset_running_stats()
            bn.momentum = None
        x = torch.from_numpy(_input(calib_shape, seed=seed + 1))
        model(x)
        for bn in bns:
            c = bn.num_features
            bn.momentum = 0.1
            std = bn.running_var.clamp_min(1e-6).sqrt()
            bn.running_mean.add_(torch.randn(c, generator=g) * 0.1 * std)
            bn.running_var.mul_(torch.rand(c, generator=g) * 1.5 + 0.5)  # x[0.5, 2)
    model.eval()


def randomize_parameters(torch, model, seed):
    """Gives every parameter of `model` its own random value (generator
    seeded with `seed`): matrices scaled by 1/sqrt(fan-in), norm weights in
    [0.5, 1.5), the rest ~0.1 N(0, 1). Copies of one layer (a
    TransformerEncoder's) then differ, and none is trivially foldable."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=g)
                        / float(np.sqrt(p.shape[-1])))
            elif "norm" in name and name.endswith("weight"):
                p.copy_(torch.rand(p.shape, generator=g) + 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)


def _build_convnet(torch):
    nn = torch.nn

    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            # stride 2, symmetric pad, BN (folded), ReLU6 (Clip)
            self.c1 = nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False)
            self.b1 = nn.BatchNorm2d(16)
            self.a1 = nn.ReLU6()
            # dilation 2, groups 4, asymmetric per-axis pad, BN (folded), ReLU
            self.c2 = nn.Conv2d(16, 32, 3, padding=(2, 1), dilation=(2, 1),
                                groups=4)
            self.b2 = nn.BatchNorm2d(32)
            self.p1 = nn.MaxPool2d(3, stride=2, padding=1)
            # BN after a pool: stays a BatchNormalization node
            self.b3 = nn.BatchNorm2d(32)
            # depthwise conv + swish-like gate (Sigmoid, Mul)
            self.dw = nn.Conv2d(32, 32, 3, padding=1, groups=32)
            # 1x1 pointwise with bias + residual Add
            self.pw = nn.Conv2d(32, 32, 1)
            self.p2 = nn.AvgPool2d(3, stride=2, padding=1,
                                   count_include_pad=False)
            # 3x2 kernel, stride (1,2), no padding
            self.c3 = nn.Conv2d(32, 48, (3, 2), stride=(1, 2))
            self.gap = nn.AdaptiveAvgPool2d(1)
            self.fc1 = nn.Linear(48, 32)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, x):
            x = self.a1(self.b1(self.c1(x)))
            x = torch.relu(self.b2(self.c2(x)))
            x = self.b3(self.p1(x))
            y = self.dw(x)
            y = y * torch.sigmoid(y)
            x = x + self.pw(y)
            x = self.p2(x)
            x = torch.clamp(self.c3(x), -1.5, 4.0)
            x = torch.flatten(self.gap(x), 1)
            x = nn.functional.relu6(self.fc1(x))
            return torch.sigmoid(self.fc2(x))

    return ConvNet()


def _build_shufflenet(torch):
    """ShuffleNetV2-like: a stride-2 unit (two branches concatenated) and a
    stride-1 unit (channel split), each followed by a channel shuffle."""
    nn = torch.nn

    def conv_bn(cin, cout, k, stride=1, groups=1, relu=True):
        layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups,
                            bias=False), nn.BatchNorm2d(cout)]
        return layers + [nn.ReLU()] if relu else layers

    def branch(cin, cout, stride):
        return nn.Sequential(*conv_bn(cin, cout, 1),
                             *conv_bn(cout, cout, 3, stride, cout, relu=False),
                             *conv_bn(cout, cout, 1))

    def shuffle(x):
        n, c, h, w = x.shape
        return x.reshape(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)

    class ShuffleNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(*conv_bn(3, 16, 3, 2))
            self.pool = nn.MaxPool2d(3, 2, 1)
            self.down_left = nn.Sequential(*conv_bn(16, 16, 3, 2, 16, False),
                                           *conv_bn(16, 16, 1))
            self.down_right = branch(16, 16, 2)
            self.unit = branch(16, 16, 1)
            self.fc = nn.Linear(32, 10)

        def forward(self, x):
            x = self.pool(self.stem(x))
            x = shuffle(torch.cat([self.down_left(x), self.down_right(x)], 1))
            a, b = x.chunk(2, dim=1)
            x = shuffle(torch.cat([a, self.unit(b)], 1))
            return self.fc(x.mean([2, 3]))

    return ShuffleNet()


def _build_gpt(torch, vocab, seq):
    """GPT-style decoder: token and learned position embeddings, one pre-norm
    block with a causal mask (triu + masked_fill), tanh-GELU, LM head."""
    nn = torch.nn
    d, heads = 32, 2

    class Gpt(nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens = nn.Embedding(vocab, d)
            self.positions = nn.Parameter(torch.zeros(1, seq, d))
            self.norm1 = nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.norm2 = nn.LayerNorm(d)
            self.mlp = nn.Sequential(nn.Linear(d, 2 * d),
                                     nn.GELU(approximate="tanh"),
                                     nn.Linear(2 * d, d))
            self.norm = nn.LayerNorm(d)
            self.head = nn.Linear(d, vocab, bias=False)
            self.register_buffer(
                "mask", torch.triu(torch.ones(seq, seq, dtype=torch.bool), 1))

        def attention(self, x):
            b, t, _ = x.shape
            q, k, v = (y.reshape(b, t, heads, d // heads).transpose(1, 2)
                       for y in self.qkv(x).split(d, dim=2))
            s = q @ k.transpose(-2, -1) / float(np.sqrt(d // heads))
            s = s.masked_fill(self.mask[:t, :t], float("-inf"))
            y = torch.softmax(s, dim=-1) @ v
            return self.proj(y.transpose(1, 2).reshape(b, t, d))

        def forward(self, ids):
            x = self.tokens(ids) + self.positions
            x = x + self.attention(self.norm1(x))
            x = x + self.mlp(self.norm2(x))
            return self.head(self.norm(x))

    return Gpt()


def _build_audio1d(torch):
    """M5-style 1-D CNN: strided wide Conv1d, BatchNorm1d, MaxPool1d, a
    second conv block, mean over time, Linear."""
    nn = torch.nn

    class Audio(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv1d(1, 8, 40, 4, bias=False), nn.BatchNorm1d(8),
                nn.ReLU(), nn.MaxPool1d(4),
                nn.Conv1d(8, 16, 3, bias=False), nn.BatchNorm1d(16),
                nn.ReLU(), nn.MaxPool1d(4))
            self.fc = nn.Linear(16, 5)

        def forward(self, x):
            return self.fc(self.features(x).mean(dim=2))

    return Audio()


def _build_crnn(torch):
    """CRNN-style recognizer: convolutions pooled to height 1, then a
    bidirectional LSTM and a GRU over the columns, Linear per column."""
    nn = torch.nn

    class Crnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.cnn = nn.Sequential(
                nn.Conv2d(1, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8),
                nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(8, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16),
                nn.ReLU(), nn.MaxPool2d((4, 1)))
            self.lstm = nn.LSTM(16, 8, bidirectional=True)
            self.gru = nn.GRU(16, 8)
            self.fc = nn.Linear(8, 6)

        def forward(self, x):
            f = self.cnn(x).squeeze(2).permute(2, 0, 1)   # W x N x C
            y, _ = self.lstm(f)
            y, _ = self.gru(y)
            return self.fc(y)

    return Crnn()


def _build_densenet(torch):
    """DenseNet-like: a dense block of pre-activation BN-ReLU-conv layers
    whose outputs are concatenated, a transition (1x1 conv, average pool),
    then a U-Net-style bilinear upsampling concatenated with the block's
    output and a 1x1 head."""
    nn = torch.nn
    import torch.nn.functional as F

    def bn_relu_conv(cin, cout, k):
        return nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(),
                             nn.Conv2d(cin, cout, k, padding=k // 2,
                                       bias=False))

    class DenseNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 16, 3, padding=1, bias=False)
            self.layers = nn.ModuleList(
                nn.Sequential(bn_relu_conv(16 + 8 * i, 16, 1),
                              bn_relu_conv(16, 8, 3)) for i in range(3))
            self.transition = nn.Sequential(bn_relu_conv(40, 20, 1),
                                            nn.AvgPool2d(2))
            self.head = nn.Conv2d(60, 4, 1)

        def forward(self, x):
            x = self.stem(x)
            for layer in self.layers:
                x = torch.cat([x, layer(x)], 1)
            y = F.interpolate(self.transition(x), scale_factor=2.0,
                              mode="bilinear", align_corners=False)
            return self.head(torch.cat([y, x], 1))

    return DenseNet()


def _build_encoder(torch, d_model, heads, ffn, layers):
    """nn.TransformerEncoder (post-norm, GELU, batch_first), every
    parameter randomized."""
    nn = torch.nn
    layer = nn.TransformerEncoderLayer(d_model=d_model, nhead=heads,
                                       dim_feedforward=ffn, dropout=0.0,
                                       activation="gelu", batch_first=True)
    model = nn.TransformerEncoder(layer, num_layers=layers,
                                  enable_nested_tensor=False)
    # The layers are deep copies of one layer and LayerNorm / attention
    # biases start at 1 / 0: give every parameter its own random value,
    # so the layers differ and nothing is trivially foldable.
    randomize_parameters(torch, model, SEED + 3)
    return model


def build(name):
    """Return (eval-mode torch model, input ndarray) for NAME."""
    torch = _torch()
    nn = torch.nn
    if name == "mlp":
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(),
                              nn.Linear(512, 256), nn.ReLU(),
                              nn.Linear(256, 10))
        x = _input((1, 784))
    elif name == "convnet":
        model = _build_convnet(torch)
        with torch.no_grad():  # spread the logits so the final Sigmoid
            model.fc2.weight.mul_(4.0)  # is not flat around 0.5
        x = _input((1, 3, 32, 32))
        _randomize_bn(torch, model, (4, 3, 32, 32))
    elif name == "conv3x3":
        # The public conv_3x3 model's shape: Conv 64->64, 3x3, pad 1, bias.
        model = nn.Conv2d(64, 64, 3, padding=1)
        x = _input((1, 64, 56, 56))
    elif name == "resnet18":
        import torchvision
        model = torchvision.models.resnet18(weights=None)
        x = _input((1, 3, 224, 224))
        _randomize_bn(torch, model, (2, 3, 224, 224))
    elif name == "mobilenet_v2":
        import torchvision
        model = torchvision.models.mobilenet_v2(weights=None)
        x = _input((1, 3, 224, 224))
        _randomize_bn(torch, model, (2, 3, 224, 224))
    elif name == "encoder":
        model = _build_encoder(torch, 64, 4, 128, 2)
        x = _input((1, 16, 64))
    elif name == "bert_base":
        model = _build_encoder(torch, 768, 12, 3072, 12)
        x = _input((1, 128, 768))
    elif name == "bert_layer":
        model = _build_encoder(torch, 768, 12, 3072, 1)
        x = _input((1, 128, 768))
    elif name == "shufflenet":
        model = _build_shufflenet(torch)
        x = _input((1, 3, 32, 32))
        _randomize_bn(torch, model, (4, 3, 32, 32))
    elif name == "gpt":
        model = _build_gpt(torch, vocab=64, seq=16)
        randomize_parameters(torch, model, SEED + 3)
        x = np.random.RandomState(SEED + 1).randint(0, 64, (1, 16)).astype(np.int64)
    elif name == "audio1d":
        model = _build_audio1d(torch)
        x = _input((1, 1, 1000))
        _randomize_bn(torch, model, (4, 1, 1000))
    elif name == "crnn":
        model = _build_crnn(torch)
        x = _input((1, 1, 8, 12))
        _randomize_bn(torch, model, (4, 1, 8, 12))
    elif name == "densenet":
        model = _build_densenet(torch)
        x = _input((1, 3, 16, 16))
        _randomize_bn(torch, model, (4, 3, 16, 16))
    else:
        raise ValueError("unknown model %r (known: %s)" % (name, ", ".join(NAMES)))
    model.eval()
    return model, x


NAMES = ["mlp", "conv3x3", "convnet", "resnet18", "mobilenet_v2", "encoder",
         "bert_base", "bert_layer", "shufflenet", "gpt", "audio1d", "crnn",
         "densenet"]


def _reference(torch, model, x):
    # Grad mode stays on with parameters requiring grad: this keeps
    # nn.TransformerEncoderLayer off its fused inference "fast path", so the
    # reference is computed by the same composite ops that are exported.
    out = model(torch.from_numpy(x))
    return out.detach().numpy().astype(np.float32)


def export(name, outdir):
    torch = _torch()
    model, x = build(name)
    os.makedirs(outdir, exist_ok=True)
    ref = _reference(torch, model, x)
    path = os.path.join(outdir, "model.onnx")
    # TrainingMode.PRESERVE on an eval-mode model exports inference-mode ops,
    # but skips the exporter's eval-only peephole that would fold each
    # BatchNorm into the preceding Conv: the BatchNormalization nodes stay in
    # the graph, for Kiln's own BN folding to handle.  The exporter's
    # constant-folding warning for PRESERVE concerns models in training mode.
    warnings.filterwarnings("ignore", message="It is recommended that constant folding")
    torch.onnx.export(model, (torch.from_numpy(x),), path,
                      export_params=True, opset_version=OPSET,
                      do_constant_folding=True,
                      training=torch.onnx.TrainingMode.PRESERVE,
                      input_names=["input"], output_names=["output"])
    np.save(os.path.join(outdir, "in0.npy"), x)
    np.save(os.path.join(outdir, "ref0.npy"), ref)
    return path


def op_types(path):
    import onnx
    m = onnx.load(path)
    return sorted({n.op_type for n in m.graph.node})


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("name", choices=NAMES)
    p.add_argument("outdir")
    p.add_argument("--list-ops", action="store_true",
                   help="print the op types of the exported graph")
    p.add_argument("--check", action="store_true",
                   help="run onnx.checker on the exported model")
    args = p.parse_args(argv)
    t0 = time.time()
    path = export(args.name, args.outdir)
    if args.check:
        import onnx
        onnx.checker.check_model(onnx.load(path), full_check=True)
    if args.list_ops:
        print("%s: %.1fs, ops: %s" % (args.name, time.time() - t0,
                                       " ".join(op_types(path))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
