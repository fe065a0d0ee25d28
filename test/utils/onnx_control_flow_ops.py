#!/usr/bin/env python3
"""Models for the importer's tests of RNN/GRU/LSTM, sequences, optionals,
If, Loop and Scan (test/Frontend/Onnx/recurrent.test, control-flow.test,
test/e2e/recurrent-control-flow.test).

CLI:  onnx_control_flow_ops.py NAME OUT.onnx    writes one model
      onnx_control_flow_ops.py --e2e NAME DIR   writes DIR/model.onnx,
                                                DIR/in*.npy and the expected
                                                DIR/ref*.npy (numpy reference)
      onnx_control_flow_ops.py --list           lists the NAMEs

Deterministic (seeded) and checked with onnx.checker (Debian's onnx 1.12).
The numpy reference of the recurrent ops follows the equations of the ONNX
operator documentation, in float64.
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_builders  # noqa: E402
from onnx_builders import const, registry, vi  # noqa: E402

F = TensorProto.FLOAT
I32 = TensorProto.INT32
I64 = TensorProto.INT64
BOOL = TensorProto.BOOL
CASES, case = registry()


def model(nodes, inputs, outputs, inits=(), opset=16):
    return onnx_builders.model(nodes, inputs, outputs, inits, opset=opset,
                               ir=8)


def node(op, inputs, outputs, name=None, **attrs):
    """Named after the op type unless `name` is given."""
    return onnx_builders.node(op, inputs, outputs, name=name or op.lower(),
                              **attrs)


def rand(*shape, seed=0, scale=0.5):
    return onnx_builders.rand(*shape, seed=seed, scale=scale)
E2E = {}


def e2e(fn):
    E2E[fn.__name__] = fn
    return fn


def graph(nodes, name, inputs, outputs, inits=()):
    return helper.make_graph(nodes, name, inputs, outputs,
                             initializer=list(inits))


# ---------------------------------------------------------------------------
# numpy reference of RNN / GRU / LSTM (ONNX operator equations)

def _act(name, x, alpha, beta):
    n = name.lower()
    if n == "relu":
        return np.maximum(x, 0)
    if n == "tanh":
        return np.tanh(x)
    if n == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if n == "leakyrelu":
        return np.where(x < 0, alpha * x, x)
    if n == "hardsigmoid":
        return np.clip(alpha * x + beta, 0, 1)
    if n == "affine":
        return alpha * x + beta
    raise ValueError(name)


_DEFAULT_ACTS = {"RNN": ["Tanh"], "GRU": ["Sigmoid", "Tanh"],
                 "LSTM": ["Sigmoid", "Tanh", "Tanh"]}
_ALPHA = {"leakyrelu": 0.01, "hardsigmoid": 0.2, "affine": 1.0}
_BETA = {"hardsigmoid": 0.5, "affine": 0.0}


def recurrent_ref(kind, X, W, R, B=None, seq_lens=None, h0=None, c0=None,
                  P=None, direction="forward", layout=0, clip=None,
                  linear_before_reset=0, input_forget=0, activations=None,
                  alphas=(), betas=()):
    X, W, R = (np.asarray(a, np.float64) for a in (X, W, R))
    if layout:
        X = X.transpose(1, 0, 2)
        h0 = None if h0 is None else np.asarray(h0).transpose(1, 0, 2)
        c0 = None if c0 is None else np.asarray(c0).transpose(1, 0, 2)
    S, N, _ = X.shape
    D = W.shape[0]
    H = R.shape[2]
    G = {"RNN": 1, "GRU": 3, "LSTM": 4}[kind]
    acts = activations or _DEFAULT_ACTS[kind] * D
    alphas, betas = list(alphas), list(betas)
    params = []
    for a in acts:
        n = a.lower()
        al = alphas.pop(0) if n in _ALPHA and alphas else _ALPHA.get(n, 0)
        be = betas.pop(0) if n in _BETA and betas else _BETA.get(n, 0)
        params.append((a, al, be))
    per = len(_DEFAULT_ACTS[kind])
    lens = np.full(N, S) if seq_lens is None else np.asarray(seq_lens)
    Y = np.zeros((S, D, N, H))
    Yh = np.zeros((D, N, H))
    Yc = np.zeros((D, N, H))
    cl = (lambda v: np.clip(v, -clip, clip)) if clip else (lambda v: v)
    for d in range(D):
        f = [lambda v, p=p: _act(p[0], v, p[1], p[2])
             for p in params[d * per:(d + 1) * per]]
        rev = direction == "reverse" or d == 1
        Wd, Rd = W[d], R[d]
        Bd = np.zeros(2 * G * H) if B is None else np.asarray(B[d], np.float64)
        Wb, Rb = Bd[:G * H], Bd[G * H:]
        h = np.zeros((N, H)) if h0 is None else np.asarray(h0[d], np.float64)
        c = np.zeros((N, H)) if c0 is None else np.asarray(c0[d], np.float64)
        Pd = np.zeros(3 * H) if P is None else np.asarray(P[d], np.float64)
        for s in range(S):
            t = S - 1 - s if rev else s
            x = X[t]
            cn = c
            if kind == "RNN":
                hn = f[0](cl(x @ Wd.T + h @ Rd.T + Wb + Rb))
            elif kind == "LSTM":
                g = x @ Wd.T + h @ Rd.T + Wb + Rb
                gi, go, gf, gc = (g[:, k * H:(k + 1) * H] for k in range(4))
                i = f[0](cl(gi + Pd[:H] * c))
                fg = 1 - i if input_forget else f[0](cl(gf + Pd[2 * H:] * c))
                cn = fg * c + i * f[1](cl(gc))
                o = f[0](cl(go + Pd[H:2 * H] * cn))
                hn = o * f[2](cn)
            else:
                xw = x @ Wd.T + Wb
                z = f[0](cl(xw[:, :H] + h @ Rd[:H].T + Rb[:H]))
                r = f[0](cl(xw[:, H:2 * H] + h @ Rd[H:2 * H].T + Rb[H:2 * H]))
                if linear_before_reset:
                    hh = f[1](cl(xw[:, 2 * H:] +
                                 r * (h @ Rd[2 * H:].T + Rb[2 * H:])))
                else:
                    hh = f[1](cl(xw[:, 2 * H:] + (r * h) @ Rd[2 * H:].T +
                                 Rb[2 * H:]))
                hn = (1 - z) * hh + z * h
            mask = (t < lens)[:, None]
            h = np.where(mask, hn, h)
            c = np.where(mask, cn, c)
            Y[t, d] = np.where(mask, hn, 0)
        Yh[d], Yc[d] = h, c
    if layout:
        Y = Y.transpose(2, 0, 1, 3)
        Yh = Yh.transpose(1, 0, 2)
        Yc = Yc.transpose(1, 0, 2)
    return Y.astype(np.float32), Yh.astype(np.float32), Yc.astype(np.float32)


# ---------------------------------------------------------------------------
# Recurrent models: (model, inputs, expected outputs)

def _gru_bidirectional_lbr():
    S, N, I, H = 3, 2, 4, 5
    X, W, R = rand(S, N, I, seed=1), rand(2, 3 * H, I, seed=2), \
        rand(2, 3 * H, H, seed=3)
    B, h0 = rand(2, 6 * H, seed=4), rand(2, N, H, seed=5)
    m = model([node("GRU", ["X", "W", "R", "B", "", "h0"], ["Y", "Y_h"],
                    hidden_size=H, direction="bidirectional",
                    linear_before_reset=1)],
              [vi("X", F, [S, N, I]), vi("h0", F, [2, N, H])],
              [vi("Y", F, [S, 2, N, H]), vi("Y_h", F, [2, N, H])],
              [const("W", W), const("R", R), const("B", B)])
    Y, Yh, _ = recurrent_ref("GRU", X, W, R, B, h0=h0,
                             direction="bidirectional", linear_before_reset=1)
    return m, [X, h0], [Y, Yh]


def _lstm_reverse_seqlens():
    S, N, I, H = 4, 3, 2, 3
    X, W, R = rand(S, N, I, seed=6), rand(1, 4 * H, I, seed=7), \
        rand(1, 4 * H, H, seed=8)
    B, P = rand(1, 8 * H, seed=9), rand(1, 3 * H, seed=10)
    h0, c0 = rand(1, N, H, seed=11), rand(1, N, H, seed=12)
    lens = np.array([4, 2, 3], np.int32)
    m = model([node("LSTM", ["X", "W", "R", "B", "lens", "h0", "c0", "P"],
                    ["Y", "Y_h", "Y_c"], hidden_size=H, direction="reverse",
                    clip=0.9)],
              [vi("X", F, [S, N, I]), vi("lens", I32, [N]),
               vi("h0", F, [1, N, H]), vi("c0", F, [1, N, H])],
              [vi("Y", F, [S, 1, N, H]), vi("Y_h", F, [1, N, H]),
               vi("Y_c", F, [1, N, H])],
              [const("W", W), const("R", R), const("B", B), const("P", P)])
    Y, Yh, Yc = recurrent_ref("LSTM", X, W, R, B, lens, h0, c0, P,
                              direction="reverse", clip=0.9)
    return m, [X, lens, h0, c0], [Y, Yh, Yc]


def _rnn_layout1_activations():
    S, N, I, H = 3, 2, 3, 4
    X, W, R = rand(N, S, I, seed=13), rand(2, H, I, seed=14), \
        rand(2, H, H, seed=15)
    acts = ["Relu", "LeakyRelu"]
    m = model([node("RNN", ["X", "W", "R"], ["Y", "Y_h"], hidden_size=H,
                    direction="bidirectional", layout=1, activations=acts,
                    activation_alpha=[0.3])],
              [vi("X", F, [N, S, I])],
              [vi("Y", F, [N, S, 2, H]), vi("Y_h", F, [N, 2, H])],
              [const("W", W), const("R", R)])
    Y, Yh, _ = recurrent_ref("RNN", X, W, R, direction="bidirectional",
                             layout=1, activations=acts, alphas=[0.3])
    return m, [X], [Y, Yh]


def _lstm_input_forget_layout1():
    S, N, I, H = 2, 2, 3, 2
    X, W, R = rand(N, S, I, seed=16), rand(1, 4 * H, I, seed=17), \
        rand(1, 4 * H, H, seed=18)
    m = model([node("LSTM", ["X", "W", "R"], ["", "Y_h", "Y_c"],
                    hidden_size=H, layout=1, input_forget=1)],
              [vi("X", F, [N, S, I])],
              [vi("Y_h", F, [N, 1, H]), vi("Y_c", F, [N, 1, H])],
              [const("W", W), const("R", R)])
    _, Yh, Yc = recurrent_ref("LSTM", X, W, R, layout=1, input_forget=1)
    return m, [X], [Yh, Yc]


@e2e
def gru_bidirectional_lbr():
    return _gru_bidirectional_lbr()


@e2e
def lstm_reverse_seqlens():
    return _lstm_reverse_seqlens()


@e2e
def rnn_layout1_activations():
    return _rnn_layout1_activations()


@e2e
def lstm_input_forget_layout1():
    return _lstm_input_forget_layout1()


@case
def rnn_forward():
    S, N, I, H = 2, 1, 2, 3
    return model([node("RNN", ["X", "W", "R", "B", "", "h0"], ["Y", "Y_h"],
                       hidden_size=H)],
                 [vi("X", F, [S, N, I]), vi("h0", F, [1, N, H])],
                 [vi("Y", F, [S, 1, N, H]), vi("Y_h", F, [1, N, H])],
                 [const("W", rand(1, H, I)), const("R", rand(1, H, H)),
                  const("B", rand(1, 2 * H))])


@case
def gru_bidirectional():
    return _gru_bidirectional_lbr()[0]


@case
def lstm_seqlens():
    return _lstm_reverse_seqlens()[0]


@case
def rnn_bad_activation():
    return model([node("RNN", ["X", "W", "R"], ["Y"], hidden_size=2,
                       activations=["Swish"])],
                 [vi("X", F, [1, 1, 2])], [vi("Y", F, [1, 1, 1, 2])],
                 [const("W", rand(1, 2, 2)), const("R", rand(1, 2, 2))])


@case
def gru_bad_direction():
    return model([node("GRU", ["X", "W", "R"], ["Y"], hidden_size=2,
                       direction="sideways")],
                 [vi("X", F, [1, 1, 2])], [vi("Y", F, [1, 1, 1, 2])],
                 [const("W", rand(1, 6, 2)), const("R", rand(1, 6, 2))])


@case
def lstm_bad_weight_shape():
    return model([node("LSTM", ["X", "W", "R"], ["Y"], hidden_size=2)],
                 [vi("X", F, [1, 1, 2]), vi("W", F, [1, 6, 2])],
                 [vi("Y", F, [1, 1, 1, 2])],
                 [const("R", rand(1, 8, 2))])


# ---------------------------------------------------------------------------
# Sequences and optionals

@case
def sequences():
    """Construct, insert, erase, at, length, split and concat."""
    s34 = [3, 4]
    nodes = [
        node("SequenceConstruct", ["a", "b"], ["s1"], name="construct"),
        node("SequenceInsert", ["s1", "c", "zero"], ["s2"], name="insert"),
        node("SequenceErase", ["s2", "minus_one"], ["s3"], name="erase"),
        node("SequenceAt", ["s3", "one"], ["at"], name="at"),
        node("SequenceLength", ["s2"], ["len"], name="length"),
        node("ConcatFromSequence", ["s2"], ["cat"], name="concat", axis=0,
             new_axis=1),
        node("SplitToSequence", ["a"], ["pieces"], name="split", axis=1,
             keepdims=0),
        node("SequenceAt", ["pieces", "minus_one"], ["last"], name="last"),
        node("SplitToSequence", ["a", "two"], ["chunks"], name="chunks",
             axis=1),
        node("SequenceAt", ["chunks", "one"], ["chunk"], name="chunk"),
        node("SequenceEmpty", [], ["empty"], name="empty"),
        node("SequenceInsert", ["empty", "b"], ["s4"], name="insert2"),
        node("ConcatFromSequence", ["s4"], ["single"], name="single",
             axis=1),
    ]
    return model(nodes,
                 [vi("a", F, s34), vi("b", F, s34), vi("c", F, s34)],
                 [vi("at", F, s34), vi("len", I64, []),
                  vi("cat", F, [3, 3, 4]), vi("last", F, [3]),
                  vi("chunk", F, [3, 2]), vi("single", F, s34)],
                 [const("zero", np.int64(0)), const("one", np.int64(1)),
                  const("two", np.int64(2)),
                  const("minus_one", np.int64(-1))])


@case
def sequence_runtime_position():
    return model([node("SequenceConstruct", ["a", "a"], ["s"]),
                  node("SequenceAt", ["s", "pos"], ["y"])],
                 [vi("a", F, [2]), vi("pos", I64, [])], [vi("y", F, [2])])


@case
def sequence_position_out_of_range():
    return model([node("SequenceConstruct", ["a", "a"], ["s"]),
                  node("SequenceAt", ["s", "pos"], ["y"])],
                 [vi("a", F, [2])], [vi("y", F, [2])],
                 [const("pos", np.int64(2))])


@case
def sequence_output():
    return model([node("SequenceConstruct", ["a", "a"], ["s"])],
                 [vi("a", F, [2])],
                 [helper.make_tensor_sequence_value_info("s", F, [2])])


@case
def optionals():
    return model([node("Optional", ["a"], ["opt"]),
                  node("OptionalHasElement", ["opt"], ["has"]),
                  node("OptionalGetElement", ["opt"], ["y"])],
                 [vi("a", F, [2])], [vi("has", BOOL, []), vi("y", F, [2])])


# ---------------------------------------------------------------------------
# If, Loop, Scan

def _if_model(then_shape=(2,), with_else_capture=True):
    then_g = graph([node("Add", ["x", "x"], ["t"], name="then_add")],
                   "then", [], [vi("t", F, list(then_shape))])
    else_in = "x" if with_else_capture else "c"
    else_g = graph([node("Mul", [else_in, "k"], ["e"], name="else_mul")],
                   "else", [], [vi("e", F, [2])],
                   [const("k", np.full([2], 3, np.float32))])
    return then_g, else_g


@case
def if_runtime():
    then_g, else_g = _if_model()
    return model([node("If", ["cond"], ["y"], then_branch=then_g,
                       else_branch=else_g)],
                 [vi("cond", BOOL, []), vi("x", F, [2])], [vi("y", F, [2])])


@case
def if_constant():
    then_g, else_g = _if_model()
    return model([node("If", ["cond"], ["y"], then_branch=then_g,
                       else_branch=else_g)],
                 [vi("x", F, [2])], [vi("y", F, [2])],
                 [const("cond", np.array(False))])


@case
def if_shape_mismatch():
    then_g = graph([node("Concat", ["x", "x"], ["t"], axis=0)], "then", [],
                   [vi("t", F, [4])])
    else_g = graph([node("Identity", ["x"], ["e"])], "else", [],
                   [vi("e", F, [2])])
    return model([node("If", ["cond"], ["y"], then_branch=then_g,
                       else_branch=else_g)],
                 [vi("cond", BOOL, []), vi("x", F, [2])], [vi("y", F, ["n"])])


def _loop_body():
    # y_out = y_in + x[i]; scan = y_out
    return graph(
        [node("Identity", ["cond_in"], ["cond_out"], name="cond_id"),
         node("Unsqueeze", ["i", "axes"], ["start"], name="start"),
         node("Add", ["start", "one"], ["end"], name="end"),
         node("Slice", ["x", "start", "end"], ["xi"], name="slice"),
         node("Add", ["y_in", "xi"], ["y_out"], name="acc"),
         node("Identity", ["y_out"], ["scan"], name="scan_id")],
        "body",
        [vi("i", I64, []), vi("cond_in", BOOL, []), vi("y_in", F, [1])],
        [vi("cond_out", BOOL, []), vi("y_out", F, [1]), vi("scan", F, [1])],
        [const("axes", np.array([0], np.int64)),
         const("one", np.array([1], np.int64))])


@case
def loop_constant():
    return model([node("Loop", ["M", "", "y0"], ["y", "ys"],
                       body=_loop_body())],
                 [vi("x", F, [5]), vi("y0", F, [1])],
                 [vi("y", F, [1]), vi("ys", F, [3, 1])],
                 [const("M", np.int64(3))])


@case
def loop_runtime_trip_count():
    return model([node("Loop", ["M", "", "y0"], ["y", "ys"],
                       body=_loop_body())],
                 [vi("M", I64, []), vi("x", F, [5]), vi("y0", F, [1])],
                 [vi("y", F, [1]), vi("ys", F, ["n", 1])])


@case
def loop_runtime_cond_scan():
    return model([node("Loop", ["M", "cond", "y0"], ["y", "ys"],
                       body=_loop_body())],
                 [vi("cond", BOOL, []), vi("x", F, [5]), vi("y0", F, [1])],
                 [vi("y", F, [1]), vi("ys", F, ["n", 1])],
                 [const("M", np.int64(3))])


def _loop_runtime_cond():
    # Carried: y (sum of x[i]); stops when y > limit (a runtime value).
    body = graph(
        [node("Unsqueeze", ["i", "axes"], ["start"], name="start"),
         node("Add", ["start", "one"], ["end"], name="end"),
         node("Slice", ["x", "start", "end"], ["xi"], name="slice"),
         node("Add", ["y_in", "xi"], ["y_out"], name="acc"),
         node("Less", ["y_out", "limit"], ["lt"], name="less"),
         node("Squeeze", ["lt"], ["cond_out"], name="squeeze")],
        "body",
        [vi("i", I64, []), vi("cond_in", BOOL, []), vi("y_in", F, [1])],
        [vi("cond_out", BOOL, []), vi("y_out", F, [1])],
        [const("axes", np.array([0], np.int64)),
         const("one", np.array([1], np.int64))])
    m = model([node("Loop", ["M", "cond", "y0"], ["y"], body=body)],
              [vi("cond", BOOL, []), vi("x", F, [4]), vi("y0", F, [1]),
               vi("limit", F, [1])],
              [vi("y", F, [1])], [const("M", np.int64(4))])
    x = np.array([1, 2, 3, 4], np.float32)
    y0 = np.array([0.5], np.float32)
    limit = np.array([3.0], np.float32)
    y, c = y0.copy(), True
    for i in range(4):
        if not c:
            break
        y = y + x[i]
        c = bool(y[0] < limit[0])
    return m, [np.array(True), x, y0, limit], [y]


@case
def loop_runtime_cond():
    return _loop_runtime_cond()[0]


@e2e
def loop_runtime_cond_e2e():
    return _loop_runtime_cond()


def _scan():
    # Running sum over axis 1 walked backwards; the scan output is stacked
    # along axis 1 in reverse.
    body = graph([node("Add", ["s_in", "xt"], ["s_out"], name="acc"),
                  node("Mul", ["s_out", "two"], ["o"], name="double")],
                 "body", [vi("s_in", F, [2]), vi("xt", F, [2])],
                 [vi("s_out", F, [2]), vi("o", F, [2])],
                 [const("two", np.float32(2))])
    m = model([node("Scan", ["s0", "x"], ["s", "out"], body=body,
                    num_scan_inputs=1, scan_input_axes=[1],
                    scan_input_directions=[1], scan_output_axes=[1],
                    scan_output_directions=[1])],
              [vi("s0", F, [2]), vi("x", F, [2, 3])],
              [vi("s", F, [2]), vi("out", F, [2, 3])])
    s0 = np.array([1, -1], np.float32)
    x = rand(2, 3, seed=20)
    s, outs = s0.copy(), []
    for t in reversed(range(3)):
        s = s + x[:, t]
        outs.append(2 * s)
    out = np.stack(outs[::-1], axis=1)
    return m, [s0, x], [s, out]


@case
def scan():
    return _scan()[0]


@e2e
def scan_e2e():
    return _scan()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?")
    parser.add_argument("out", nargs="?")
    parser.add_argument("--e2e", action="store_true")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list or not args.name:
        print("\n".join(sorted(CASES) + ["--e2e " + n for n in sorted(E2E)]))
        return 0
    if not args.out:
        parser.error("missing output")
    if args.e2e:
        if args.name not in E2E:
            parser.error("unknown e2e case '%s'" % args.name)
        m, ins, refs = E2E[args.name]()
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "model.onnx"), "wb") as f:
            f.write(m.SerializeToString())
        for k, a in enumerate(ins):
            np.save(os.path.join(args.out, "in%d.npy" % k), a)
        for k, a in enumerate(refs):
            np.save(os.path.join(args.out, "ref%d.npy" % k), a)
        return 0
    if args.name not in CASES:
        parser.error("unknown model '%s' (see --list)" % args.name)
    with open(args.out, "wb") as f:
        f.write(CASES[args.name]().SerializeToString())
    return 0


if __name__ == "__main__":
    sys.exit(main())
