#!/usr/bin/env python3
"""Models for measuring the compiler's peak memory (bench/compile_rss.sh):
BERT-base-sized and ViT-B/16, random weights, exported by PyTorch at test
time (no data in the repository).

CLI:  make_rss_models.py OUTDIR
writes OUTDIR/bert_base.onnx (token embedding 30522x768 + position
embedding, 12 post-norm encoder layers, d_model 768, 12 heads, FFN 3072,
GELU; input ids int64 1x128 -> 1x128x768; ~110 M parameters, ~420 MB) and
OUTDIR/vit_b_16.onnx (torchvision vit_b_16, 1x3x224x224 -> 1x1000; ~86 M
parameters, ~330 MB), each with in0.npy and PyTorch's ref0.npy in
OUTDIR/<name>/.
"""

import os
import sys
import warnings

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "test", "utils"))
from torch_models import randomize_parameters  # noqa: E402


class BertBase(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(30522, 768)
        self.positions = nn.Parameter(torch.randn(1, 128, 768) * 0.02)
        layer = nn.TransformerEncoderLayer(d_model=768, nhead=12,
                                           dim_feedforward=3072, dropout=0.0,
                                           activation="gelu",
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=12,
                                             enable_nested_tensor=False)

        # The encoder layers start as copies of one layer, which the ONNX
        # exporter would store once: give every parameter its own values.
        randomize_parameters(torch, self, 3)

    def forward(self, ids):
        return self.encoder(self.tokens(ids) + self.positions)


def export(model, x, outdir, name):
    os.makedirs(os.path.join(outdir, name), exist_ok=True)
    # Grad mode on keeps nn.TransformerEncoderLayer off its fused fast path
    # (the reference uses the ops that are exported).
    ref = model(torch.from_numpy(x)).detach().numpy().astype(np.float32)
    warnings.filterwarnings("ignore")
    torch.onnx.export(model, (torch.from_numpy(x),),
                      os.path.join(outdir, name + ".onnx"), opset_version=13,
                      do_constant_folding=True, input_names=["input"],
                      output_names=["output"])
    np.save(os.path.join(outdir, name, "in0.npy"), x)
    np.save(os.path.join(outdir, name, "ref0.npy"), ref)


def main():
    outdir = sys.argv[1]
    torch.manual_seed(0)
    torch.set_num_threads(1)
    bert = BertBase().eval()
    ids = np.random.default_rng(1).integers(0, 30522, (1, 128))
    export(bert, ids.astype(np.int64), outdir, "bert_base")
    import torchvision
    vit = torchvision.models.vit_b_16(weights=None).eval()
    x = np.random.default_rng(2).standard_normal((1, 3, 224, 224),
                                                 dtype=np.float32)
    export(vit, x, outdir, "vit_b_16")


if __name__ == "__main__":
    main()
