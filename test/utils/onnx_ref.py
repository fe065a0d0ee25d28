#!/usr/bin/env python3
"""A small, slow, independent ONNX evaluator for checking test data.

Neither onnxruntime nor onnx.reference (onnx >= 1.13) is available here, so
this interprets an ONNX graph node by node with numpy (and
torch.nn.functional for convolution and pooling), by default in float64, so
that its result can serve as a high-precision check of a float32 reference.

CLI:  onnx_ref.py MODEL.onnx IN0.npy [IN1.npy ...] [-o OUT0.npy ...]
                  [--dtype float32|float64] [--compare REF0.npy ...] [--rel 1e-4]

Module:  run(model_or_path, [inputs], compute_dtype=np.float64) -> [outputs]
(floating outputs are cast back to the graph's declared dtype).

It covers the op types the e2e models use (see SUPPORTED) at the opsets the
torch 1.13 exporter emits (13); it is not a conformance-grade implementation.
"""

import argparse
import sys

import numpy as np
import onnx
from onnx import numpy_helper

_F = None


def _torchf():
    global _F
    if _F is None:
        import torch
        import torch.nn.functional as F
        torch.set_num_threads(1)
        _F = (torch, F)
    return _F


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _np_dtype(elem_type):
    return onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[elem_type]


def _spatial_pads(pads, nsp):
    if not pads:
        return [0] * nsp, [0] * nsp
    return list(pads[:nsp]), list(pads[nsp:])


def _auto_pads(a, in_sp, k, strides, dil):
    ap = a.get("auto_pad", b"NOTSET")
    ap = ap.decode() if isinstance(ap, bytes) else ap
    nsp = len(in_sp)
    if ap in ("NOTSET", ""):
        return _spatial_pads(a.get("pads"), nsp)
    if ap == "VALID":
        return [0] * nsp, [0] * nsp
    b, e = [], []
    for i in range(nsp):
        out = -(-in_sp[i] // strides[i])
        ek = (k[i] - 1) * dil[i] + 1
        tot = max(0, (out - 1) * strides[i] + ek - in_sp[i])
        lo = tot // 2 if ap == "SAME_UPPER" else tot - tot // 2
        b.append(lo)
        e.append(tot - lo)
    return b, e


def _torch_pad_arg(begin, end):
    # F.pad wants the last dim first: (l_last, r_last, l_prev, r_prev, ...)
    out = []
    for lo, hi in zip(reversed(begin), reversed(end)):
        out += [lo, hi]
    return out


def _conv(x, w, b, a):
    torch, F = _torchf()
    nsp = x.ndim - 2
    k = list(w.shape[2:])
    strides = a.get("strides", [1] * nsp)
    dil = a.get("dilations", [1] * nsp)
    pb, pe = _auto_pads(a, x.shape[2:], k, strides, dil)
    tx = F.pad(torch.from_numpy(x), _torch_pad_arg(pb, pe))
    tw = torch.from_numpy(w)
    tb = None if b is None else torch.from_numpy(b)
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nsp]
    y = fn(tx, tw, tb, stride=strides, dilation=dil, groups=a.get("group", 1))
    return y.numpy()


def _pool(x, a, kind):
    torch, F = _torchf()
    nsp = x.ndim - 2
    k = a["kernel_shape"]
    strides = a.get("strides", [1] * nsp)
    dil = a.get("dilations", [1] * nsp)
    ceil = bool(a.get("ceil_mode", 0))
    pb, pe = _auto_pads(a, x.shape[2:], k, strides, dil)
    padarg = _torch_pad_arg(pb, pe)
    tx = torch.from_numpy(x)
    if kind == "max":
        tx = F.pad(tx, padarg, value=-np.inf)
        fn = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[nsp]
        return fn(tx, k, strides, 0, dil, ceil_mode=ceil).numpy()
    if dil != [1] * nsp:
        raise NotImplementedError("AveragePool with dilations")
    fn = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[nsp]
    num = fn(F.pad(tx, padarg), k, strides, 0, ceil_mode=ceil,
             count_include_pad=False, **({} if nsp == 1 else {"divisor_override": 1}))
    if nsp == 1:
        num = num * k[0]
    ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=tx.dtype)
    if a.get("count_include_pad", 0):
        ones = F.pad(ones, padarg, value=1.0)
    else:
        ones = F.pad(ones, padarg, value=0.0)
    cnt = fn(ones, k, strides, 0, ceil_mode=ceil, count_include_pad=False,
             **({} if nsp == 1 else {"divisor_override": 1}))
    if nsp == 1:
        cnt = cnt * k[0]
    return (num / cnt).numpy()


def _erf(x):
    torch, _ = _torchf()
    return torch.erf(torch.from_numpy(np.ascontiguousarray(x))).numpy()


def _softmax(x, axis):
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def _slice(x, starts, ends, axes, steps):
    axes = list(range(len(starts))) if axes is None else list(axes)
    steps = [1] * len(starts) if steps is None else list(steps)
    sl = [slice(None)] * x.ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        ax = ax + x.ndim if ax < 0 else ax
        dim = x.shape[ax]
        s, e = int(s), int(e)
        # clamp the way the spec says (INT64_MAX / MIN sentinels included)
        if st > 0:
            s = min(max(s + dim if s < 0 else s, 0), dim)
            e = min(max(e + dim if e < 0 else e, 0), dim)
        else:
            s = min(max(s + dim if s < 0 else s, 0), dim - 1)
            e = min(max(e + dim if e < 0 else e, -1), dim - 1)
            if e == -1:
                e = None
        sl[ax] = slice(s, e, int(st))
    return x[tuple(sl)]


def _reduce(fn, x, a, axes_in=None):
    axes = a.get("axes", axes_in)
    keep = bool(a.get("keepdims", 1))
    if axes is None or len(axes) == 0:
        if a.get("noop_with_empty_axes", 0):
            return x
        axes = None
    else:
        axes = tuple(int(v) for v in axes)
    return fn(x, axis=axes, keepdims=keep)


def _argmax(x, a, fn):
    axis = a.get("axis", 0)
    keep = bool(a.get("keepdims", 1))
    if a.get("select_last_index", 0):
        flipped = np.flip(x, axis)
        r = x.shape[axis] - 1 - fn(flipped, axis=axis)
    else:
        r = fn(x, axis=axis)
    r = r.astype(np.int64)
    return np.expand_dims(r, axis) if keep else r


def _gemm(A, B, C, a):
    if a.get("transA", 0):
        A = A.T
    if a.get("transB", 0):
        B = B.T
    y = a.get("alpha", 1.0) * (A @ B)
    if C is not None:
        y = y + a.get("beta", 1.0) * C
    return y


def _bn(x, scale, bias, mean, var, a):
    eps = a.get("epsilon", 1e-5)
    sh = (1, -1) + (1,) * (x.ndim - 2)
    return ((x - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + eps)
            * scale.reshape(sh) + bias.reshape(sh))


def _clip(x, lo, hi):
    if lo is not None:
        x = np.maximum(x, lo)
    if hi is not None:
        x = np.minimum(x, hi)
    return x


def _reshape(x, shape, a):
    shape = [int(s) for s in shape]
    if not a.get("allowzero", 0):
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return x.reshape(shape)


def _flatten(x, a):
    ax = a.get("axis", 1)
    ax = ax + x.ndim if ax < 0 else ax
    lead = int(np.prod(x.shape[:ax])) if ax else 1
    return x.reshape(lead, -1)


def _split(x, split, a, nout):
    axis = a.get("axis", 0)
    if split is None:
        split = a.get("split")
    if split is None:
        n = x.shape[axis]
        split = [n // nout] * nout
    idx = np.cumsum(split)[:-1]
    return np.split(x, idx, axis=axis)


def _unsq(x, axes):
    axes = sorted(int(v) + (x.ndim + len(axes) if v < 0 else 0) for v in axes)
    for ax in axes:
        x = np.expand_dims(x, ax)
    return x


def _sq(x, axes):
    if axes is None:
        return np.squeeze(x)
    return np.squeeze(x, axis=tuple(int(v) for v in axes))


def _opt(ins, i):
    return ins[i] if len(ins) > i and ins[i] is not None else None


def _eval_node(node, ins, a, cdt):
    t = node.op_type
    x = ins[0] if ins else None
    if t == "Identity":
        return [x]
    if t == "Constant":
        if "value" in a:
            return [numpy_helper.to_array(a["value"])]
        for k in ("value_float", "value_int"):
            if k in a:
                return [np.array(a[k], dtype=np.float32 if "float" in k else np.int64)]
        for k in ("value_floats", "value_ints"):
            if k in a:
                return [np.array(a[k], dtype=np.float32 if "float" in k else np.int64)]
        raise NotImplementedError("Constant attribute %s" % list(a))
    unary = {"Relu": lambda v: np.maximum(v, 0), "Sigmoid": lambda v: 1 / (1 + np.exp(-v)),
             "Tanh": np.tanh, "Exp": np.exp, "Log": np.log, "Sqrt": np.sqrt,
             "Abs": np.abs, "Neg": np.negative, "Erf": _erf, "Floor": np.floor,
             "Ceil": np.ceil, "Reciprocal": lambda v: 1 / v, "Not": np.logical_not}
    if t in unary:
        return [unary[t](x)]
    binary = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
              "Pow": np.power, "Max": np.maximum, "Min": np.minimum,
              "Equal": np.equal, "Less": np.less, "Greater": np.greater,
              "And": np.logical_and, "Or": np.logical_or}
    if t in binary and len(ins) == 2:
        return [binary[t](x, ins[1])]
    if t == "Div":
        if np.issubdtype(x.dtype, np.integer):
            y = ins[1]  # ONNX integer Div truncates toward zero
            return [(np.sign(x) * np.sign(y) * (np.abs(x) // np.abs(y))).astype(x.dtype)]
        return [x / ins[1]]
    if t in ("Max", "Min", "Sum"):
        fn = {"Max": np.maximum, "Min": np.minimum, "Sum": np.add}[t]
        r = ins[0]
        for v in ins[1:]:
            r = fn(r, v)
        return [r]
    if t == "LeakyRelu":
        return [np.where(x >= 0, x, a.get("alpha", 0.01) * x)]
    if t == "HardSigmoid":
        return [np.clip(a.get("alpha", 0.2) * x + a.get("beta", 0.5), 0, 1)]
    if t == "Clip":
        return [_clip(x, _opt(ins, 1), _opt(ins, 2))]
    if t == "Conv":
        return [_conv(x, ins[1], _opt(ins, 2), a)]
    if t == "MaxPool":
        return [_pool(x, a, "max")]
    if t == "AveragePool":
        return [_pool(x, a, "avg")]
    if t == "GlobalAveragePool":
        return [x.mean(axis=tuple(range(2, x.ndim)), keepdims=True)]
    if t == "GlobalMaxPool":
        return [x.max(axis=tuple(range(2, x.ndim)), keepdims=True)]
    if t == "BatchNormalization":
        return [_bn(x, ins[1], ins[2], ins[3], ins[4], a)]
    if t == "Gemm":
        return [_gemm(x, ins[1], _opt(ins, 2), a)]
    if t == "MatMul":
        return [np.matmul(x, ins[1])]
    if t == "Flatten":
        return [_flatten(x, a)]
    if t == "Reshape":
        return [_reshape(x, ins[1], a)]
    if t == "Transpose":
        return [np.transpose(x, a.get("perm"))]
    if t == "Shape":
        return [np.array(x.shape, dtype=np.int64)]
    if t == "Gather":
        return [np.take(x, ins[1].astype(np.int64), axis=a.get("axis", 0))]
    if t == "Slice":
        return [_slice(x, ins[1], ins[2], _opt(ins, 3), _opt(ins, 4))]
    if t == "Concat":
        return [np.concatenate(ins, axis=a["axis"])]
    if t == "Split":
        return _split(x, _opt(ins, 1), a, len(node.output))
    if t == "Unsqueeze":
        return [_unsq(x, ins[1] if len(ins) > 1 else a["axes"])]
    if t == "Squeeze":
        return [_sq(x, _opt(ins, 1) if len(ins) > 1 else a.get("axes"))]
    if t == "Softmax":
        return [_softmax(x, a.get("axis", -1))]
    if t == "LogSoftmax":
        return [np.log(_softmax(x, a.get("axis", -1)))]
    if t == "ReduceMean":
        return [_reduce(np.mean, x, a, _opt(ins, 1))]
    if t == "ReduceSum":
        return [_reduce(np.sum, x, a, _opt(ins, 1))]
    if t == "ReduceMax":
        return [_reduce(np.max, x, a, _opt(ins, 1))]
    if t == "ArgMax":
        return [_argmax(x, a, np.argmax)]
    if t == "ArgMin":
        return [_argmax(x, a, np.argmin)]
    if t == "Cast":
        to = _np_dtype(a["to"])
        if np.issubdtype(to, np.floating):
            to = cdt
        return [x.astype(to)]
    if t == "Where":
        return [np.where(x, ins[1], ins[2])]
    if t == "Expand":
        return [x * np.ones([int(v) for v in ins[1]], dtype=x.dtype)]
    if t == "Dropout":
        return [x] + ([np.ones(x.shape, dtype=bool)] if len(node.output) > 1 else [])
    raise NotImplementedError("onnx_ref: op %s" % t)


SUPPORTED = sorted("""Identity Constant Relu Sigmoid Tanh Exp Log Sqrt Abs Neg Erf
Floor Ceil Reciprocal Not Add Sub Mul Div Pow Max Min Sum Equal Less Greater And
Or LeakyRelu HardSigmoid Clip Conv MaxPool AveragePool GlobalAveragePool
GlobalMaxPool BatchNormalization Gemm MatMul Flatten Reshape Transpose Shape
Gather Slice Concat Split Unsqueeze Squeeze Softmax LogSoftmax ReduceMean
ReduceSum ReduceMax ArgMax ArgMin Cast Where Expand Dropout""".split())


def run(model, inputs, compute_dtype=np.float64):
    """Evaluate MODEL (ModelProto or path) on a list of ndarrays."""
    if isinstance(model, str):
        model = onnx.load(model)
    g = model.graph
    cdt = np.dtype(compute_dtype)

    def up(v):
        v = np.asarray(v)
        return v.astype(cdt) if np.issubdtype(v.dtype, np.floating) else v

    env = {}
    for init in g.initializer:
        env[init.name] = up(numpy_helper.to_array(init))
    real_inputs = [i for i in g.input if i.name not in env]
    if len(real_inputs) != len(inputs):
        raise ValueError("model has %d inputs, got %d"
                         % (len(real_inputs), len(inputs)))
    for vi, arr in zip(real_inputs, inputs):
        env[vi.name] = up(arr)
    for node in g.node:
        ins = [env[n] if n else None for n in node.input]
        try:
            outs = _eval_node(node, ins, _attrs(node), cdt)
        except NotImplementedError:
            raise
        except Exception as e:
            raise RuntimeError("onnx_ref: node %r (%s): %s"
                               % (node.name, node.op_type, e)) from e
        for name, v in zip(node.output, outs):
            v = np.asarray(v)
            if np.issubdtype(v.dtype, np.floating):
                v = v.astype(cdt)
            env[name] = v
    results = []
    for vo in g.output:
        v = env[vo.name]
        want = _np_dtype(vo.type.tensor_type.elem_type)
        results.append(np.asarray(v).astype(want))
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model")
    p.add_argument("inputs", nargs="*")
    p.add_argument("-o", dest="outputs", action="append", default=[])
    p.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    p.add_argument("--compare", action="append", default=[],
                   help="reference output(s) to check the result against")
    p.add_argument("--rel", type=float, default=1e-4)
    args = p.parse_args(argv)
    import compare as cmp
    outs = run(args.model, [cmp.load(f) for f in args.inputs],
               compute_dtype=args.dtype)
    for path, v in zip(args.outputs, outs):
        np.save(path, v)
    if not args.outputs and not args.compare:
        for i, v in enumerate(outs):
            print("output %d %s %s: %s" % (i, v.dtype, "x".join(map(str, v.shape)),
                                          " ".join(str(e) for e in v.ravel()[:16])))
    rc = 0
    for v, ref in zip(outs, args.compare):
        ok, msg = cmp.compare(v, cmp.load(ref), rel=args.rel)
        print("%s: %s" % (ref, msg))
        rc |= 0 if ok else 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
