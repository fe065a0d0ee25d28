#!/usr/bin/env python3
"""Builders shared by the test-model generators in test/utils (onnx_ops.py,
the onnx_*_ops.py family, onnx_string_ops.py, make_bad_models.py).

Each generator keeps its own registry of named cases (registry()) and calls
main() for the usual CLI:
    GENERATOR.py NAME OUT.onnx    writes one model
    GENERATOR.py --list           lists the NAMEs
"""

import argparse
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def registry():
    """A fresh (CASES, case) pair: `@case` registers a model builder (a
    function returning an onnx.ModelProto) under its function name."""
    cases = {}

    def case(fn):
        cases[fn.__name__] = fn
        return fn
    return cases, case


def rand(*shape, seed=0, scale=1.0):
    r = np.random.RandomState(seed).standard_normal(shape)
    return (r * scale).astype(np.float32) if scale != 1.0 else \
        r.astype(np.float32)


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def node(op, inputs, outputs, name=None, **attrs):
    """A node named after its first output unless `name` is given."""
    return helper.make_node(op, inputs, outputs, name=name or outputs[0],
                            **attrs)


def model(nodes, inputs, outputs, inits=(), opset=13, ir=None, check=True,
          domains=(), **kwargs):
    """A model importing the default domain at `opset` (and `domains`, a
    list of (domain, version)); IR version `ir`, or 6 below opset 13 so
    that old opsets stay valid; checked with onnx.checker unless `check`
    is false."""
    graph = helper.make_graph(nodes, "g", inputs, outputs,
                              initializer=list(inits))
    opsets = [helper.make_opsetid("", opset)]
    opsets += [helper.make_opsetid(d, v) for d, v in domains]
    m = helper.make_model(graph, opset_imports=opsets, producer_name="kiln",
                          **kwargs)
    if ir is not None:
        m.ir_version = ir
    elif opset < 13:
        m.ir_version = 6
    if check:
        onnx.checker.check_model(m)
    return m


def main(cases, doc, argv=None):
    """The CLI of a generator whose registry is `cases`."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("name", nargs="?")
    parser.add_argument("out", nargs="?")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)
    if args.list or not args.name:
        print("\n".join(sorted(cases)))
        return 0
    if not args.out:
        parser.error("missing OUT.onnx")
    if args.name not in cases:
        parser.error("unknown model '%s' (see --list)" % args.name)
    with open(args.out, "wb") as f:
        f.write(cases[args.name]().SerializeToString())
    return 0


if __name__ == "__main__":
    sys.exit("onnx_builders.py is a module; run one of the generators")
