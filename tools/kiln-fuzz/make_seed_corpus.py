#!/usr/bin/env python3
"""Writes the seed corpus of kiln-onnx-fuzzer into DIR: every model of the
importer's tests (test/utils/onnx_ops.py, valid and unsupported ones), of
the invalid-model tests (test/utils/make_bad_models.py) and of the folding
budget tests (test/utils/make_bomb_models.py), one .onnx file each;
and DIR.dict, a libFuzzer dictionary of ONNX operator and attribute names
(-dict=DIR.dict).

Usage: PYTHONPATH=test/utils make_seed_corpus.py DIR
"""
import os
import sys
import tempfile

import make_bad_models
import make_bomb_models
import onnx
import onnx_ops


def write_cases(cases, prefix, out_dir, scratch):
    count = 0
    for name, fn in sorted(cases.items()):
        # Cases that take a path write side files (external data) next to it.
        path = os.path.join(scratch, name + ".onnx")
        try:
            m = fn(path) if fn.__code__.co_argcount else fn()
        except Exception as e:  # a case the installed onnx cannot build
            print("skipping %s%s: %s" % (prefix, name, e), file=sys.stderr)
            continue
        with open(os.path.join(out_dir, prefix + name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())
        count += 1
    return count


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        count = write_cases(onnx_ops.CASES, "ops_", out_dir, scratch)
        count += write_cases(make_bad_models.CASES, "bad_", out_dir, scratch)
        count += write_cases(make_bomb_models.CASES, "bomb_", out_dir,
                             scratch)
    # External data keys and the fuzzer's traps next to the model.
    words = {"location", "offset", "length", "../", "..", "/etc/passwd",
             "link.bin", "linkdir", "fifo.bin", "subdir", "weights.bin"}
    for schema in onnx.defs.get_all_schemas():
        words.add(schema.name)
        words.update(schema.attributes)
    with open(out_dir.rstrip("/") + ".dict", "w") as f:
        for word in sorted(words):
            f.write('"%s"\n' % word)
    print("wrote %d seed models to %s, %d words to %s.dict"
          % (count, out_dir, len(words), out_dir.rstrip("/")))


if __name__ == "__main__":
    main()
