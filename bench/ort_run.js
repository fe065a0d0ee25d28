// ort_run.js MODEL.onnx INPUT.npy [--threads T] [--bench N]
// Runs one model with onnxruntime-node (CPU EP, all graph optimizations) and
// prints the same line as Kiln executables:
//   latency_ms: min=<x> median=<y> mean=<z>
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function readNpy(path) {
  const buf = fs.readFileSync(path);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1]
      .split(',').map(s => s.trim()).filter(s => s.length).map(Number);
  const data = buf.subarray(hstart + hlen);
  const types = {'<f4': ['float32', Float32Array], '<i8': ['int64', BigInt64Array],
                 '<i4': ['int32', Int32Array], '<f8': ['float64', Float64Array]};
  if (!types[descr]) throw new Error(`${path}: unsupported dtype ${descr}`);
  const [dtype, Arr] = types[descr];
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return new ort.Tensor(dtype, new Arr(copy.buffer), shape);
}

async function main() {
  const args = process.argv.slice(2);
  let threads = 1, iters = 20;
  const files = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--threads') threads = Number(args[++i]);
    else if (args[i] === '--bench') iters = Number(args[++i]);
    else files.push(args[i]);
  }
  const [model, ...inputs] = files;
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1,
    graphOptimizationLevel: 'all', executionMode: 'sequential'});
  const feeds = {};
  session.inputNames.forEach((name, i) => { feeds[name] = readNpy(inputs[i]); });
  for (let i = 0; i < 10; i++) await session.run(feeds);
  const times = [];
  for (let i = 0; i < iters; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const median = times.length % 2 ? times[(times.length - 1) / 2]
      : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
  console.log(`latency_ms: min=${times[0].toFixed(3)} median=${median.toFixed(3)} mean=${mean.toFixed(3)}`);
}
main().catch(e => { console.error(`error: ${e.message}`); process.exit(1); });
