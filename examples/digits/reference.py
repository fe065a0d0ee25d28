#!/usr/bin/env python3
"""Reference predictions for the shipped digit images, without any ONNX runtime.

Reads the weights stored in digits.onnx (the onnx package only parses the
protobuf; nothing executes the graph), then runs the MLP both with numpy and
with PyTorch and prints, per image, the predicted digit, its probability and
the true label, as the compiled executable should report them:

    /usr/bin/python3 examples/digits/reference.py [--probs]

Exit status 1 if numpy and PyTorch disagree.
"""

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def load_weights(path):
    """(w1, b1, w2, b2) as numpy arrays, w in PyTorch's [out, in] layout."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    gemms = [n for n in m.graph.node if n.op_type == "Gemm"]
    assert len(gemms) == 2, "expected a two-layer MLP"
    out = []
    for g in gemms:
        attrs = {a.name: a.i for a in g.attribute if a.name in ("transA", "transB")}
        w = inits[g.input[1]]
        if not attrs.get("transB", 0):
            w = w.T
        out += [w.astype(np.float32), inits[g.input[2]].astype(np.float32)]
    return out


def numpy_forward(x, w1, b1, w2, b2):
    h = np.maximum(x @ w1.T + b1, 0)
    logits = h @ w2.T + b2
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True), logits.argmax(axis=1)


def torch_forward(x, w1, b1, w2, b2):
    import torch
    torch.set_num_threads(1)
    mlp = torch.nn.Sequential(torch.nn.Linear(64, w1.shape[0]), torch.nn.ReLU(),
                              torch.nn.Linear(w1.shape[0], 10)).eval()
    with torch.no_grad():
        for layer, w, b in ((mlp[0], w1, b1), (mlp[2], w2, b2)):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
        logits = mlp(torch.from_numpy(x))
        return torch.softmax(logits, 1).numpy(), logits.argmax(1).numpy()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=os.path.join(HERE, "digits.onnx"))
    p.add_argument("--images", default=os.path.join(HERE, "images"))
    p.add_argument("--probs", action="store_true", help="print all 10 probabilities")
    args = p.parse_args(argv)
    weights = load_weights(args.model)
    rows = []
    with open(os.path.join(args.images, "labels.txt")) as f:
        for line in f:
            if line.strip():
                name, label = line.split()
                rows.append((name, int(label)))
    correct, rc = 0, 0
    for name, label in rows:
        x = np.load(os.path.join(args.images, name)).astype(np.float32)
        pn, ln = numpy_forward(x, *weights)
        pt, lt = torch_forward(x, *weights)
        if ln[0] != lt[0] or np.abs(pn - pt).max() > 1e-5:
            print("error: numpy and PyTorch disagree on %s" % name, file=sys.stderr)
            rc = 1
        correct += int(lt[0] == label)
        print("%s -> %d (label %d)  p=%.4f" % (name, lt[0], label, pt[0, lt[0]]))
        if args.probs:
            print("  probabilities: " + " ".join("%.6g" % v for v in pt[0]))
    print("accuracy: %d/%d = %.1f%%" % (correct, len(rows), 100.0 * correct / len(rows)))
    return rc


if __name__ == "__main__":
    sys.exit(main())
