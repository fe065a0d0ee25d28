"""ONNX backend conformance runner for Kiln (a custom lit test format).

Every directory CATEGORY/TEST of the ONNX backend test data (Debian's
libonnx-testdata: node, pytorch-converted, pytorch-operator, simple) becomes
one lit test named `conformance/CATEGORY/TEST`.  A test:

  1. compiles model.onnx the way a user does:
         model-compile model.onnx -o EXE -O1
     (-O1 keeps the compile time of ~1000 models low; timeout 60 s),
  2. runs, for every test_data_set_N,
         EXE --threads 2 input_0.pb ... -o out_0.pb ...      (timeout 30 s)
  3. compares each out_K.pb with output_K.pb with the ONNX backend
     tolerances: |out - ref| <= 1e-7 + 1e-3 * |ref| elementwise; integers
     and bools exactly; NaNs at the same positions; shapes and dtypes equal
     (test/utils/compare.py does the comparison); strings byte for byte.
When the compiler asks for an input's dynamic dimensions to be pinned, the
model is first compiled once with ranges instead (--input-shape with
MIN:OPT:MAX for each symbolic dimension, covering every data set's size) and
run on every data set; if that compile fails, or when the compiler asks for a
graph input to be frozen (--constant-input), the model is compiled once per
data set with that data set's values or shapes.

Outcomes (the `kind` of a failure, printed in the test's output and stored
in its result file):
  PASS
  COMPILE-ERROR   model-compile exited with status != 0 (an error message)
  RUN-ERROR       the executable exited with status != 0, or wrote no output
  MISMATCH        an output differs (values, shape or dtype)
  TIMEOUT         compile > 60 s or run > 30 s
  CRASH           model-compile or the executable was killed by a signal, or
                  printed "LLVM ERROR", "Assertion", "Stack dump", ...
Expected failures are listed in xfail.txt beside this file.  A listed test
that fails is XFAIL; a listed test that passes fails the suite (XPASS); a
CRASH always fails the suite, even when the test is listed.

Each test writes its result as JSON to
BUILD/test/conformance/results/CATEGORY/TEST.json; summary.py and
update_xfail.py read them.  This module needs only the standard library at
lit discovery time; numpy/onnx are needed only to compare outputs (in the
lit process when it can import them, else in a %python subprocess).
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

CATEGORIES = ("node", "pytorch-converted", "pytorch-operator", "simple")
DEFAULT_DATA_DIR = "/usr/share/libonnx-testdata/data"
RTOL = 1e-3
ATOL = 1e-7
COMPILE_TIMEOUT = 60
RUN_TIMEOUT = 30
OPT_FLAG = "-O1"
EXE_THREADS = "2"

HERE = os.path.dirname(os.path.abspath(__file__))
XFAIL_FILE = os.path.join(HERE, "xfail.txt")

# Output that means a crash even when the exit status is an ordinary one.
CRASH_MARKERS = ("LLVM ERROR", "Assertion", "Stack dump",
                 "PLEASE submit a bug report", "Segmentation fault",
                 "AddressSanitizer", "UndefinedBehaviorSanitizer",
                 "terminate called", "Aborted (core dumped)")

KINDS = ("PASS", "COMPILE-ERROR", "RUN-ERROR", "MISMATCH", "TIMEOUT", "CRASH")


# --------------------------------------------------------------------------
# The expected-failure list.

def parse_xfail(path=XFAIL_FILE):
    """Returns (entries, groups, errors): entries maps 'category/test' to its
    reason, groups maps it to the comment header it is listed under, errors
    are (line number, message) pairs."""
    entries, groups, errors = {}, {}, []
    group = ""
    if not os.path.exists(path):
        return entries, groups, errors
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if not s:
                continue
            if s.startswith("#"):
                m = re.match(r"#\s*-{2,}\s*(.*?)\s*-{2,}\s*$", s)
                if m:
                    group = re.sub(r"\s*\(\d+\)$", "", m.group(1))
                continue
            parts = s.split(None, 1)
            name = parts[0]
            reason = parts[1].strip() if len(parts) > 1 else ""
            if name.count("/") != 1 or name.split("/")[0] not in CATEGORIES:
                errors.append((n, "'%s' is not CATEGORY/TEST with CATEGORY "
                                  "one of %s" % (name, ", ".join(CATEGORIES))))
                continue
            if not reason:
                errors.append((n, "'%s' has no reason" % name))
            if name in entries:
                errors.append((n, "'%s' is listed twice" % name))
            entries[name] = reason
            groups[name] = group
    return entries, groups, errors


def list_tests(data_dir):
    """[(category, test name, test directory)] sorted."""
    tests = []
    for cat in CATEGORIES:
        d = os.path.join(data_dir, cat)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            td = os.path.join(d, name)
            if os.path.isfile(os.path.join(td, "model.onnx")):
                tests.append((cat, name, td))
    return tests


# --------------------------------------------------------------------------
# Running processes.

def _signame(sig):
    try:
        return signal.Signals(sig).name
    except ValueError:
        return "signal %d" % sig


def run_process(cmd, timeout, cwd=None):
    """Runs cmd in its own process group; returns (status, output, seconds)
    where status is an exit code, -SIG when killed by a signal, or None on a
    timeout (the whole group is killed)."""
    start = time.time()
    try:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             cwd=cwd, start_new_session=True)
    except OSError as e:
        return 127, "cannot run %s: %s\n" % (cmd[0], e), 0.0
    try:
        out, _ = p.communicate(timeout=timeout)
        status = p.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
        out, _ = p.communicate()
        status = None
    text = out.decode("utf-8", "replace")
    if len(text) > 20000:
        text = text[:10000] + "\n[... %d characters cut ...]\n" % (
            len(text) - 20000) + text[-10000:]
    return status, text, time.time() - start


def crash_of(status, output):
    """A description of a crash, or None."""
    if status is not None and status < 0:
        return "killed by %s" % _signame(-status)
    for m in CRASH_MARKERS:
        if m in output:
            line = next((l for l in output.splitlines() if m in l), m)
            return "printed '%s'" % line.strip()[:200]
    return None


# --------------------------------------------------------------------------
# Failure reasons: a short line derived from the compiler's or executable's
# message, used in the test output and as the default reason in xfail.txt.

_ERR_RE = re.compile(r"^error: (?:[^:]*\.onnx: )?(.*)$")


def error_lines(output):
    lines = []
    for l in output.splitlines():
        m = _ERR_RE.match(l.strip())
        if m:
            lines.append(m.group(1).strip())
    return lines


def _strip_node(msg):
    # '<node name> (<op type>): <reason>' -> ('<op type>', '<reason>')
    m = re.match(r"^(.*?) \(([A-Za-z0-9_.]+)\): (.*)$", msg)
    if m:
        return m.group(2), m.group(3)
    return None, msg


def compile_reason(output):
    """A short reason for a compile error, e.g. "unsupported operator 'Loop'"."""
    errs = error_lines(output)
    if not errs:
        lines = [l.strip() for l in output.splitlines() if l.strip()]
        return (lines[0][:160] if lines else "no error message")
    unsupported = []
    others = []
    for e in errs:
        op, msg = _strip_node(e)
        if op and re.search(r"unsupported op|not supported|unsupported operator",
                            msg, re.I) and not re.search(
                                r"attribute|dtype|type |mode|input|shape|rank",
                                msg, re.I):
            if op not in unsupported:
                unsupported.append(op)
        else:
            others.append((op, msg))
    if unsupported:
        return "unsupported operator%s %s" % (
            "s" if len(unsupported) > 1 else "",
            ", ".join("'%s'" % o for o in unsupported))
    op, msg = others[0]
    msg = msg.rstrip(".")
    if len(msg) > 160:
        msg = msg[:157] + "..."
    return "%s: %s" % (op, msg) if op else msg


def run_reason(output):
    errs = error_lines(output)
    if errs:
        msg = errs[0]
    else:
        lines = [l.strip() for l in output.splitlines() if l.strip()]
        msg = lines[0] if lines else "no message"
    msg = re.sub(r"\(/[^)]*\)", "", msg)  # paths of the input files
    msg = re.sub(r"\s+", " ", msg).strip()
    return msg[:160]


# Classes of reasons: the comment headers of xfail.txt (first match wins).
REASON_CLASSES = [
    ("unsupported operator", r"^unsupported operators? "),
    ("training mode", r"training"),
    ("unsupported opset / domain", r"opset|domain"),
    ("non-constant shape/axes input (dynamic shape)",
     r"must be (a )?constants?|known at compile time"),
    ("dynamic shape", r"dynamic|symbolic|unknown dim|--input-shape"),
    ("sequence / optional types", r"sequence|optional|not a tensor"),
    ("unsupported dtype", r"dtype|data type|element type|string|bfloat16|"
                          r"float16|complex"),
    ("unsupported attribute or mode", r"attribute|mode|not supported|"
                                      r"unsupported"),
]


def reason_class(kind, reason):
    if kind == "CRASH":
        return "crash"
    if kind == "TIMEOUT":
        return "timeout"
    if kind == "MISMATCH":
        if re.search(r"shape mismatch|dtype mismatch", reason):
            return "shape or dtype mismatch"
        return "numeric mismatch"
    if kind == "RUN-ERROR":
        return "runtime error"
    for name, rx in REASON_CLASSES:
        if re.search(rx, reason, re.I):
            return name
    return "other compile error"


# --------------------------------------------------------------------------
# Comparison (needs numpy and onnx).

def _load_model_value_types(model_path):
    import onnx
    m = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    outs = [o.type for o in m.graph.output]
    ins = [i.type for i in m.graph.input if i.name not in inits]
    return ins, outs


def _load_pb(path, type_proto=None):
    """(numpy array, ONNX data_type) of a .pb file holding a value of
    type_proto (a TensorProto when None)."""
    import onnx
    from onnx import numpy_helper
    with open(path, "rb") as f:
        data = f.read()
    kind = type_proto.WhichOneof("value") if type_proto is not None else None
    if kind in (None, "tensor_type"):
        t = onnx.TensorProto()
        t.ParseFromString(data)
        return numpy_helper.to_array(t), t.data_type
    raise ValueError("value of %s type (not a tensor)" % kind)


def _type_name(dt):
    import onnx
    try:
        return onnx.TensorProto.DataType.Name(dt)
    except ValueError:
        return str(dt)


# ONNX <= 1.12 stores the bfloat16 tensors of its test data as UINT16
# tensors holding the bfloat16 bit patterns (the model declares BFLOAT16).
_UINT16, _BFLOAT16 = 4, 16


def _declared_elem_type(type_proto):
    if type_proto is not None and type_proto.WhichOneof("value") == "tensor_type":
        return type_proto.tensor_type.elem_type
    return None


_STRING = 8


def _load_strings(path):
    """(dims, [bytes]) of a STRING TensorProto file."""
    import onnx
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return tuple(t.dims), list(t.string_data)


def _shape_str(dims):
    return "x".join(str(d) for d in dims) if dims else "scalar"


def compare_strings(out, ref):
    """Exact comparison of two STRING TensorProto files: (ok, message)."""
    (odims, o), (rdims, r) = _load_strings(out), _load_strings(ref)
    shape = _shape_str(rdims)
    if odims != rdims:
        return False, "shape mismatch: out %s vs ref %s" % (_shape_str(odims),
                                                           shape)
    if len(o) != len(r):
        return False, "mismatch: string %s, %d values in out vs %d in ref" % (
            shape, len(o), len(r))
    bad = [k for k, (a, b) in enumerate(zip(o, r)) if a != b]
    if not bad:
        return True, "ok: string %s exactly equal" % shape
    k = bad[0]
    return False, ("mismatch: string %s, %d of %d elements differ; first at "
                   "flat index %d: out=%r ref=%r" % (shape, len(bad), len(r),
                                                     k, o[k], r[k]))


def compare_outputs(model_path, pairs):
    """pairs: [(out path, ref path)].  Returns [(ok, message)]."""
    import numpy as np
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "utils"))
    try:
        import compare as cmp_mod
    finally:
        sys.path.pop(0)
    try:
        _, out_types = _load_model_value_types(model_path)
    except Exception:  # malformed model: compare as tensors
        out_types = []
    results = []
    for i, (out, ref) in enumerate(pairs):
        tp = out_types[i % len(out_types)] if out_types else None
        try:
            r, rdt = _load_pb(ref, tp)
        except Exception as e:
            results.append((False, "cannot read reference %s: %s"
                            % (os.path.basename(ref), e)))
            continue
        try:
            o, odt = _load_pb(out, None)
        except Exception as e:
            results.append((False, "cannot read output %s: %s"
                            % (os.path.basename(out), e)))
            continue
        note = ""
        if rdt == _UINT16 and _declared_elem_type(tp) == _BFLOAT16:
            bits = np.asarray(r, dtype=np.uint16).astype(np.uint32) << 16
            r, rdt = bits.view(np.float32), _BFLOAT16
            note = " (reference: bfloat16 bits stored as UINT16)"
        if odt != rdt:
            results.append((False, "dtype mismatch: out %s vs ref %s%s"
                            % (_type_name(odt), _type_name(rdt), note)))
            continue
        if rdt == _STRING:
            results.append(compare_strings(out, ref))
            continue
        ok, msg = cmp_mod.compare(o, r, atol=ATOL, rtol=RTOL)
        results.append((ok, msg + note))
    return results


def fix_inputs(model_path, inputs, work_dir):
    """Inputs to pass to the executable: a UINT16 input file of a BFLOAT16
    model input (ONNX <= 1.12 test data) is copied into work_dir as the
    BFLOAT16 tensor it stands for (same bits).  Returns [(path, note)]."""
    import onnx
    ins, _ = _load_model_value_types(model_path)
    res = []
    for k, path in enumerate(inputs):
        decl = _declared_elem_type(ins[k]) if k < len(ins) else None
        if decl == _BFLOAT16 and _pb_data_type(path) == _UINT16:
            t = onnx.TensorProto()
            with open(path, "rb") as f:
                t.ParseFromString(f.read())
            t.data_type = _BFLOAT16
            fixed = os.path.join(work_dir, "bf16_" + os.path.basename(path))
            with open(fixed, "wb") as f:
                f.write(t.SerializeToString())
            res.append((fixed, "%s: bfloat16 bits stored as UINT16, passed as "
                        "BFLOAT16 (%s)" % (os.path.basename(path), fixed)))
        else:
            res.append((path, ""))
    return res


def _pb_data_type(path):
    """TensorProto.data_type (field 2) of a .pb file, read without onnx."""
    header = _pb_header(path)
    return header[0] if header else None


def _pb_dims(path):
    """TensorProto.dims (field 1) of a .pb file, read without onnx; None when
    the file cannot be read."""
    header = _pb_header(path)
    return header[1] if header else None


def _pb_header(path):
    """(data_type or None, [dims]) of a TensorProto .pb file, read without
    onnx; None when the file cannot be read or parsed."""
    try:
        with open(path, "rb") as f:
            buf = f.read()
    except OSError:
        return None
    i, n = 0, len(buf)
    data_type, dims = None, []

    def varint(i):
        v = shift = 0
        while i < n:
            b = buf[i]
            i += 1
            v |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return v, i
        raise ValueError("truncated")
    try:
        while i < n:
            key, i = varint(i)
            field, wire = key >> 3, key & 7
            if wire == 0:
                v, i = varint(i)
                if field == 2:
                    data_type = v
                elif field == 1:
                    dims.append(v)
            elif wire == 1:
                i += 8
            elif wire == 2:
                ln, i = varint(i)
                end = i + ln
                if field == 1:  # packed dims
                    while i < end:
                        v, i = varint(i)
                        dims.append(v)
                i = end
            elif wire == 5:
                i += 4
            else:
                return None
    except ValueError:
        return None
    return data_type, dims


_inprocess_ok = None


def _can_compare_in_process(python):
    global _inprocess_ok
    if _inprocess_ok is None:
        try:
            same = os.path.realpath(sys.executable) == os.path.realpath(python)
            import numpy  # noqa: F401
            import onnx  # noqa: F401
            _inprocess_ok = same
        except Exception:
            _inprocess_ok = False
    return _inprocess_ok


def _call(python, func, *args):
    """func(*args) in this process when it can import onnx (and runs
    `python`), else in a `python` subprocess; the result must be JSON."""
    if _can_compare_in_process(python):
        return globals()[func](*args)
    cmd = [python, os.path.abspath(__file__), "call", func, json.dumps(args)]
    status, out, _ = run_process(cmd, RUN_TIMEOUT * 4)
    try:
        return json.loads(out.strip().splitlines()[-1])
    except Exception:
        raise RuntimeError("%s failed in a subprocess (status %s): %s"
                           % (func, status, out))


def compare_outputs_any(python, model_path, pairs):
    try:
        return [tuple(x) for x in _call(python, "compare_outputs",
                                        model_path, pairs)]
    except RuntimeError as e:
        return [(False, str(e))] * len(pairs)


# --------------------------------------------------------------------------
# One test.

def _sorted_pb(dirname, prefix):
    files = [f for f in os.listdir(dirname)
             if re.match(r"^%s_\d+\.pb$" % prefix, f)]
    return sorted(files, key=lambda f: int(re.findall(r"\d+", f)[-1]))


# The compiler's hint for a shape/axes/size operand that is a graph input.
_FREEZE_RE = re.compile(r"--constant-input (\S+?)=FILE\.pb")
# The compiler's hint for a graph input with dynamic dimensions.
_PIN_RE = re.compile(r"input '(.+?)' has dynamic dimensions? [^;\n]*; "
                     r"pin it with --input-shape ")
# Compiling per data set: at most this many rounds of newly named inputs.
MAX_FREEZE_ROUNDS = 8


def _compile(compiler, model, exe, extra, work_dir, log):
    """Runs model-compile; returns (kind, reason, output) with kind None on
    success."""
    cmd = [compiler, model, "-o", exe, OPT_FLAG] + extra
    log("$ %s\n" % " ".join(cmd))
    status, out, secs = run_process(cmd, COMPILE_TIMEOUT, cwd=work_dir)
    log(out)
    log("[model-compile: %s, %.1f s]\n" % (
        "timeout" if status is None else "exit status %d" % status
        if status >= 0 else "killed by %s" % _signame(-status), secs))
    crash = crash_of(status, out)
    if crash:
        return "CRASH", "model-compile %s" % crash, out
    if status is None:
        return "TIMEOUT", "compile timed out after %d s" % COMPILE_TIMEOUT, out
    if status != 0:
        return "COMPILE-ERROR", compile_reason(out), out
    if not os.path.isfile(exe):
        return ("COMPILE-ERROR", "model-compile exited 0 but wrote no "
                "executable", out)
    return None, "", out


def graph_input_names(model_path):
    """Names of the graph inputs the test data feeds (not initializers)."""
    import onnx
    m = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    return [i.name for i in m.graph.input if i.name not in inits]


def symbolic_dims(model_path):
    """For each graph input fed by the test data: which of its dims are
    symbolic (a dim_param or no dim_value)."""
    import onnx
    m = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    return {i.name: [not d.HasField("dim_value")
                     for d in i.type.tensor_type.shape.dim]
            for i in m.graph.input if i.name not in inits}


def _input_ranges(python, model, data_sets):
    """For each graph input with symbolic dims, the --input-shape value that
    gives them ranges covering every data set (MIN 1, OPT the first data
    set's size, MAX the largest size, twice that when every data set
    agrees); inputs a range cannot express (a size 0, an unreadable .pb) are
    left out."""
    names = _call(python, "graph_input_names", model)
    symbolic = _call(python, "symbolic_dims", model)
    specs = {}
    for k, n in enumerate(names):
        if not any(symbolic.get(n, [])):
            continue
        sizes = [_pb_dims(ins[k]) if k < len(ins) else None
                 for ins in data_sets]
        if any(d is None or len(d) != len(symbolic[n]) for d in sizes):
            continue
        dims = []
        for i, dynamic in enumerate(symbolic[n]):
            values = [d[i] for d in sizes]
            if not dynamic:
                dims.append(str(values[0]))
            elif min(values) >= 1:
                high = max(values) if len(set(values)) > 1 else 2 * values[0]
                dims.append("1:%d:%d" % (values[0], high))
            else:
                break
        else:
            specs[n] = "x".join(dims)
    return specs


def _needs_per_set_compile(out):
    return bool(_FREEZE_RE.search(out) or _PIN_RE.search(out))


def _compile_per_set(compiler, model, exe, ins, names, work_dir, log,
                     ranges):
    """Compiles for one data set as a user does: the graph inputs the
    compiler asks to freeze get this data set's values (--constant-input
    NAME=input_K.pb; shape operands fed as graph inputs), the inputs whose
    dynamic dimensions it asks to pin get their range from `ranges`, else
    this data set's shapes (--input-shape NAME=AxB).  A model may name its
    inputs one round at a time.  Returns (kind, reason, frozen names, pinned
    or ranged names)."""
    frozen, pinned = [], {}
    for _ in range(MAX_FREEZE_ROUNDS):
        extra = []
        for n in frozen:
            extra += ["--constant-input", "%s=%s" % (n, ins[names.index(n)])]
        for n, dims in pinned.items():
            extra += ["--input-shape", "%s=%s" % (n, dims)]
        kind, reason, out = _compile(compiler, model, exe, extra, work_dir,
                                     log)
        if kind != "COMPILE-ERROR":
            break
        new_frozen = [n for n in dict.fromkeys(_FREEZE_RE.findall(out))
                      if n not in frozen]
        new_pinned = [n for n in dict.fromkeys(_PIN_RE.findall(out))
                      if n not in pinned and n not in new_frozen]
        known = names[:len(ins)]
        if (not new_frozen and not new_pinned) or any(
                n not in known for n in new_frozen + new_pinned):
            break
        frozen += new_frozen
        for n in new_pinned:
            dims = ranges.get(n) or "x".join(
                map(str, _pb_dims(ins[names.index(n)]) or []))
            if not dims:  # unreadable, or a scalar: nothing to pin
                return kind, reason, frozen, sorted(pinned)
            pinned[n] = dims
    return kind, reason, frozen, sorted(pinned)


def run_test(test_dir, work_dir, compiler, python, log, info=None):
    """Compiles and runs one ONNX backend test.  Returns (kind, reason);
    log(text) collects the test's output; info['frozen'] lists the graph
    inputs frozen with --constant-input, info['pinned'] those whose shapes
    were pinned with --input-shape, if any."""
    model = os.path.join(test_dir, "model.onnx")
    exe = os.path.join(work_dir, "model")
    info = {} if info is None else info
    kind, reason, out = _compile(compiler, model, exe, [], work_dir, log)
    # Shape operands fed as graph inputs, inputs of dynamic shape: compile
    # once per data set with them frozen / pinned (the compiler names them
    # in its hints).
    per_set = kind == "COMPILE-ERROR" and _needs_per_set_compile(out)
    if kind and not per_set:
        return kind, reason

    sets = sorted((d for d in os.listdir(test_dir)
                   if d.startswith("test_data_set_")),
                  key=lambda d: int(d.rsplit("_", 1)[1]))
    if not sets:
        return "RUN-ERROR", "no test_data_set_N directory"
    # Inputs of dynamic shape get ranges covering every data set, as a user
    # deploys such a model: one compile for all data sets, unless a graph
    # input must also be frozen (then one per data set, still with ranges).
    ranges = {}
    if per_set:
        ranges = _input_ranges(
            python, model,
            [[os.path.join(test_dir, ds, f)
              for f in _sorted_pb(os.path.join(test_dir, ds), "input")]
             for ds in sets])
        wanted = list(dict.fromkeys(_PIN_RE.findall(out)))
        if (wanted and not _FREEZE_RE.search(out) and
                all(n in ranges for n in wanted)):
            log("note: %s: compiling with ranges for the dynamic "
                "dimensions\n" % reason)
            flags = []
            for n in wanted:
                flags += ["--input-shape", "%s=%s" % (n, ranges[n])]
            if _compile(compiler, model, exe, flags, work_dir, log)[0] is None:
                per_set = False
                info["ranged"] = sorted(wanted)
    names = _call(python, "graph_input_names", model) if per_set else []
    pairs = []
    for ds in sets:
        dsdir = os.path.join(test_dir, ds)
        ins = [os.path.join(dsdir, f) for f in _sorted_pb(dsdir, "input")]
        refs = [os.path.join(dsdir, f) for f in _sorted_pb(dsdir, "output")]
        outs = [os.path.join(work_dir, "%s_out_%d.pb" % (ds, k))
                for k in range(len(refs))]
        for o in outs:
            if os.path.exists(o):
                os.unlink(o)
        if per_set:
            log("note: %s: compiling with the inputs the compiler names "
                "frozen to %s's values or pinned to its shapes\n"
                % (reason, ds))
            kind, reason, frozen, shaped = _compile_per_set(
                compiler, model, exe, ins, names, work_dir, log, ranges)
            if kind:
                return kind, reason
            info["frozen"] = frozen
            info["ranged"] = [n for n in shaped if n in ranges]
            info["pinned"] = [n for n in shaped if n not in ranges]
        if any(_pb_data_type(p) == _UINT16 for p in ins):
            fixed = _call(python, "fix_inputs", model, ins, work_dir)
            ins = [p for p, _ in fixed]
            for _, note in fixed:
                if note:
                    log("note: %s\n" % note)
        if per_set:  # frozen inputs are weights now, not arguments
            ins = [p for k, p in enumerate(ins)
                   if k >= len(names) or names[k] not in info["frozen"]]
        cmd = [exe, "--threads", EXE_THREADS] + ins
        for o in outs:
            cmd += ["-o", o]
        log("$ %s\n" % " ".join(cmd))
        status, out, secs = run_process(cmd, RUN_TIMEOUT, cwd=work_dir)
        log(out)
        log("[run: %s, %.2f s]\n" % (
            "timeout" if status is None else "exit status %d" % status
            if status >= 0 else "killed by %s" % _signame(-status), secs))
        crash = crash_of(status, out)
        if crash:
            return "CRASH", "executable %s (%s)" % (crash, ds)
        if status is None:
            return "TIMEOUT", "run timed out after %d s (%s)" % (RUN_TIMEOUT, ds)
        if status != 0:
            return "RUN-ERROR", "run: " + run_reason(out)
        missing = [os.path.basename(o) for o in outs if not os.path.isfile(o)]
        if missing:
            return "RUN-ERROR", "run: outputs missing: %s" % ", ".join(missing)
        pairs += [(o, r) for o, r in zip(outs, refs)]

    results = compare_outputs_any(python, model, pairs)
    first_bad = None
    for (o, r), (ok, msg) in zip(pairs, results):
        ds = os.path.basename(os.path.dirname(r))
        log("%s %s/%s: %s\n" % ("ok  " if ok else "FAIL", ds,
                                os.path.basename(r), msg))
        if not ok and first_bad is None:
            first_bad = (os.path.basename(r), msg)
    if first_bad is None:
        return "PASS", ""
    ref, msg = first_bad
    if msg.startswith("shape mismatch") or msg.startswith("dtype mismatch"):
        return "MISMATCH", "%s (%s)" % (re.sub(r"\s*\(shape [^)]*\)", "", msg),
                                        ref)
    m = re.match(r"mismatch: (\S+) (\S+) fails .*?: (\d+) of (\d+) elements "
                 r"out of tolerance; max abs err (\S+)", msg)
    if m:
        return "MISMATCH", ("numeric mismatch: %s of %s elements out of "
                            "tolerance, max abs err %s (%s)"
                            % (m.group(3), m.group(4), m.group(5), ref))
    m = re.match(r"mismatch: (\S+) (\S+), (\d+) of (\d+) elements differ", msg)
    if m:
        return "MISMATCH", ("numeric mismatch: %s of %s %s elements differ (%s)"
                            % (m.group(3), m.group(4), m.group(1), ref))
    short = msg.split(";")[0]
    return "MISMATCH", ("numeric mismatch: %s (%s)" % (short[:120], ref)
                        if not short.startswith("cannot") else short[:160])


# --------------------------------------------------------------------------
# Result files and the per-category summary.

def results_dir(conf_exec_dir):
    return os.path.join(conf_exec_dir, "results")


def write_result(conf_exec_dir, record):
    d = os.path.join(results_dir(conf_exec_dir), record["category"])
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, record["name"] + ".json")
    tmp = path + ".tmp%d" % os.getpid()
    with open(tmp, "w") as f:
        json.dump(record, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def read_results(conf_exec_dir, since=None):
    """{'category/test': record} of the result files (written at or after
    `since`, a time.time() value, when given)."""
    res = {}
    root = results_dir(conf_exec_dir)
    for cat in CATEGORIES:
        d = os.path.join(root, cat)
        if not os.path.isdir(d):
            continue
        for f in os.listdir(d):
            if not f.endswith(".json"):
                continue
            p = os.path.join(d, f)
            if since is not None and os.path.getmtime(p) < since:
                continue
            try:
                with open(p) as fh:
                    r = json.load(fh)
            except (OSError, ValueError):
                continue
            res["%s/%s" % (r["category"], r["name"])] = r
    return res


def summary_lines(results):
    per = {c: [0, 0] for c in CATEGORIES}
    crashes = []
    kinds = {}
    for key, r in results.items():
        per[r["category"]][1] += 1
        if r["kind"] == "PASS":
            per[r["category"]][0] += 1
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
        if r["kind"] == "CRASH":
            crashes.append(key)
    parts = ["%s %d/%d" % (c, p, t) for c, (p, t) in per.items() if t]
    tp = sum(p for p, _ in per.values())
    tt = sum(t for _, t in per.values())
    lines = ["conformance: %s (total %d/%d passed)" % (", ".join(parts), tp, tt)]
    frozen = sorted(k for k, r in results.items()
                    if r["kind"] == "PASS" and r.get("frozen"))
    if frozen:
        lines.append("conformance: %d of the passes froze shape inputs with "
                     "--constant-input" % len(frozen))
    ranged = sorted(k for k, r in results.items()
                    if r["kind"] == "PASS" and r.get("ranged"))
    if ranged:
        lines.append("conformance: %d of the passes gave dynamic input "
                     "shapes ranges with --input-shape" % len(ranged))
    pinned = sorted(k for k, r in results.items()
                    if r["kind"] == "PASS" and r.get("pinned"))
    if pinned:
        lines.append("conformance: %d of the passes pinned dynamic input "
                     "shapes with --input-shape" % len(pinned))
    lines.append("conformance: " + ", ".join(
        "%s %d" % (k, kinds[k]) for k in KINDS if k in kinds))
    if crashes:
        lines.append("conformance: %d CRASHES: %s" % (
            len(crashes), " ".join(sorted(crashes))))
    return lines


# --------------------------------------------------------------------------
# The lit test format.  Tests are pickled to lit's worker processes with
# their config (and so this format object): keep the format small and put
# per-test data on the Test objects.

try:
    import lit.formats
    import lit.Test
    _HAVE_LIT = True
except ImportError:  # the `compare` CLI runs without lit
    _HAVE_LIT = False

if _HAVE_LIT:
    CRASH_CODE = lit.Test.ResultCode(
        "CRASH", "Crashed (compiler or executable)", True)
    # The suite requires an unexpected pass to fail.  Some lit builds make
    # XPASS a non-failure: use a failing code of our own there.
    if lit.Test.XPASS.isFailure:
        XPASS_CODE = None
    else:
        XPASS_CODE = lit.Test.ResultCode(
            "XPASSED", "Unexpectedly Passed (listed in xfail.txt)", True)

    class OnnxBackendFormat(lit.formats.TestFormat):
        def __init__(self, data_dir, compiler, python, enabled=True,
                     disabled_why=""):
            self.data_dir = data_dir
            self.compiler = compiler
            self.python = python
            self.enabled = enabled
            self.disabled_why = disabled_why

        def getTestsInDirectory(self, testSuite, path_in_suite, litConfig,
                                localConfig):
            # Only the directory holding lit.local.cfg (not __pycache__ &c).
            if os.path.realpath(testSuite.getSourcePath(path_in_suite)) != HERE:
                return
            if not self.enabled:
                t = lit.Test.Test(testSuite, path_in_suite + ("skipped",),
                                  localConfig)
                t.conformance = ("skipped", self.disabled_why)
                yield t
                return
            xfails, _, xfail_errors = parse_xfail()
            tests = list_tests(self.data_dir)
            # The list must name existing tests, each once, with a reason.
            errs = ["xfail.txt:%d: %s" % e for e in xfail_errors]
            known = {"%s/%s" % (c, n) for c, n, _ in tests}
            for name in sorted(xfails):
                if name not in known:
                    errs.append("xfail.txt: '%s' names no test in %s"
                                % (name, self.data_dir))
            t = lit.Test.Test(testSuite, path_in_suite + ("xfail-list",),
                              localConfig)
            t.conformance = ("xfail-list", (errs, len(xfails)))
            yield t
            for cat, name, tdir in tests:
                t = lit.Test.Test(testSuite, path_in_suite + (cat, name),
                                  localConfig)
                reason = xfails.get("%s/%s" % (cat, name))
                t.conformance = ("test", (cat, name, tdir, reason))
                if reason is not None:
                    t.xfails = ["*"]
                yield t

        def execute(self, test, litConfig):
            what, arg = getattr(test, "conformance", (None, None))
            if what == "skipped":
                return lit.Test.UNSUPPORTED, arg
            if what == "xfail-list":
                errs, n = arg
                if errs:
                    return lit.Test.FAIL, "\n".join(errs) + "\n"
                return lit.Test.PASS, "%d expected failures listed\n" % n
            if what != "test":
                return lit.Test.UNRESOLVED, "not a conformance test"
            return self._run(test, *arg)

        def _run(self, test, cat, name, tdir, xfail_reason):
            work = test.getExecPath()
            conf_exec = os.path.dirname(os.path.dirname(work))
            os.makedirs(work, exist_ok=True)
            _clear_files(work)
            chunks = []
            log = chunks.append
            key = "%s/%s" % (cat, name)
            log("conformance test %s\n  model: %s\n  work dir: %s\n"
                % (key, os.path.join(tdir, "model.onnx"), work))
            start = time.time()
            info = {}
            try:
                kind, reason = run_test(tdir, work, self.compiler,
                                        self.python, log, info)
            except Exception as e:  # a bug of the runner itself
                import traceback
                log(traceback.format_exc())
                return lit.Test.UNRESOLVED, "".join(chunks) + \
                    "runner error: %s\n" % e
            expected = test.isExpectedToFail()
            write_result(conf_exec, {
                "category": cat, "name": name, "kind": kind,
                "reason": reason,
                "class": reason_class(kind, reason) if kind != "PASS" else "",
                "xfail": xfail_reason is not None,
                "frozen": info.get("frozen", []),
                "pinned": info.get("pinned", []),
                "ranged": info.get("ranged", []),
                "seconds": round(time.time() - start, 2)})
            if kind == "PASS":
                # Keep the build directory small: artifacts only on failure.
                _clear_files(work)
                if expected:
                    log("XPASS: %s passes but is listed in xfail.txt (%s): "
                        "remove it from test/conformance/xfail.txt "
                        "(update_xfail.py does).\n" % (key, xfail_reason))
                    # PASS becomes lit's XPASS when XPASS is a failure.
                    return (XPASS_CODE or lit.Test.PASS), "".join(chunks)
                return lit.Test.PASS, "".join(chunks)
            log("\n%s: %s\n" % (kind, reason))
            if kind == "CRASH":
                if xfail_reason is not None:
                    log("note: %s is listed in xfail.txt, but a crash is "
                        "never an expected failure: this test fails.\n" % key)
                return CRASH_CODE, "".join(chunks)
            if expected:
                log("(expected failure; xfail.txt: %s)\n" % xfail_reason)
            # lit turns FAIL into XFAIL for a listed test.
            return lit.Test.FAIL, "".join(chunks)


def _clear_files(d):
    for f in os.listdir(d):
        p = os.path.join(d, f)
        if os.path.isfile(p) or os.path.islink(p):
            os.unlink(p)


def install_summary_hook(conf_exec_dir):
    """Prints the per-category summary of this lit run when lit exits."""
    import atexit
    start = time.time() - 1.0
    pid = os.getpid()

    def hook():
        if os.getpid() != pid:  # a forked worker
            return
        res = read_results(conf_exec_dir, since=start)
        if res:
            sys.stdout.flush()
            print("\n" + "\n".join(summary_lines(res)))
            sys.stdout.flush()
    atexit.register(hook)


# --------------------------------------------------------------------------
# CLI: `onnx_backend.py call compare_outputs|fix_inputs|graph_input_names
# JSON_ARGS` prints the
# result as JSON (used when the lit process cannot import onnx).

if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "call" and sys.argv[2] in (
            "compare_outputs", "fix_inputs", "graph_input_names",
            "symbolic_dims"):
        print(json.dumps(globals()[sys.argv[2]](*json.loads(sys.argv[3]))))
        sys.exit(0)
    print(__doc__)
    sys.exit(2)
