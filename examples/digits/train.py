#!/usr/bin/env python3
"""Train the digits demo model and export it to ONNX.

Trains a 64-64-10 ReLU MLP on scikit-learn's 8x8 handwritten digits
(sklearn.datasets.load_digits, 1797 images), deterministically, and writes
next to this script:

  digits.onnx          opset 13; input  `image`         float32 [1, 64]
                                 outputs `probabilities` float32 [1, 10] (softmax)
                                         `label`         int64   [1]     (argmax)
  images/digit_<i>_label<L>.npy   10 test-split images (one per digit),
                                  float32 [1, 64], pixels scaled to [0, 1]
  images/labels.txt               `<file> <label>` per line

Run it with Debian's python3 (torch, onnx, scikit-learn):
    /usr/bin/python3 examples/digits/train.py
It needs no network (load_digits ships with scikit-learn).
"""

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 0
HIDDEN = 64
EPOCHS = 100
BATCH = 32
LR = 1e-2
WEIGHT_DECAY = 1e-3


def setup_torch():
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    np.random.seed(SEED)
    return torch


def load_data():
    """Fixed train/test split of load_digits, pixels scaled to [0, 1]."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.25, random_state=SEED,
                            stratify=y)


def make_mlp(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(64, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10))


def make_classifier(torch, mlp):
    """Wrap the MLP: image -> (softmax probabilities, argmax label)."""
    class Classifier(torch.nn.Module):
        def __init__(self, mlp):
            super().__init__()
            self.mlp = mlp

        def forward(self, image):
            logits = self.mlp(image)
            return torch.softmax(logits, dim=1), torch.argmax(logits, dim=1)

    return Classifier(mlp).eval()


def train(verbose=True):
    """Return (trained mlp, x_train, x_test, y_train, y_test, test accuracy)."""
    torch = setup_torch()
    x_tr, x_te, y_tr, y_te = load_data()
    mlp = make_mlp(torch)
    opt = torch.optim.Adam(mlp.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    lossf = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    gen = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        mlp.train()
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            loss = lossf(mlp(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        if verbose and (epoch + 1) % 20 == 0:
            print("epoch %d: loss %.4f" % (epoch + 1, loss.item()))
    mlp.eval()
    with torch.no_grad():
        pred = mlp(torch.from_numpy(x_te)).argmax(1).numpy()
    acc = float((pred == y_te).mean())
    return mlp, x_tr, x_te, y_tr, y_te, acc


def pick_images(x_te, y_te):
    """The first test-split image of each digit, in test-split order."""
    seen, picks = set(), []
    for i, label in enumerate(y_te):
        if int(label) not in seen:
            seen.add(int(label))
            picks.append(i)
    return picks


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--outdir", default=HERE)
    args = p.parse_args(argv)
    os.makedirs(args.outdir, exist_ok=True)
    mlp, x_tr, x_te, y_tr, y_te, acc = train()
    print("train %d / test %d images; test accuracy %.2f%%"
          % (len(y_tr), len(y_te), 100 * acc))
    if acc < 0.95:
        print("error: test accuracy below 95%", file=sys.stderr)
        return 1

    import torch
    model = make_classifier(torch, mlp)
    onnx_path = os.path.join(args.outdir, "digits.onnx")
    torch.onnx.export(model, (torch.zeros(1, 64),), onnx_path,
                      export_params=True, opset_version=13,
                      do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL,
                      input_names=["image"],
                      output_names=["probabilities", "label"])
    import onnx
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m, full_check=True)
    print("wrote %s (%d bytes; ops: %s)"
          % (onnx_path, os.path.getsize(onnx_path),
             " ".join(n.op_type for n in m.graph.node)))

    imgdir = os.path.join(args.outdir, "images")
    os.makedirs(imgdir, exist_ok=True)
    for f in os.listdir(imgdir):
        if f.startswith("digit_") and f.endswith(".npy"):
            os.remove(os.path.join(imgdir, f))
    lines = []
    for n, i in enumerate(pick_images(x_te, y_te)):
        name = "digit_%d_label%d.npy" % (n, y_te[i])
        np.save(os.path.join(imgdir, name), x_te[i].reshape(1, 64))
        lines.append("%s %d\n" % (name, y_te[i]))
    with open(os.path.join(imgdir, "labels.txt"), "w") as f:
        f.writelines(lines)
    print("wrote %d images to %s" % (len(lines), imgdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
