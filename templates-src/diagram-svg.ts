/**
 * DOT to SVG with Graphviz compiled to WebAssembly (@viz-js/viz), synchronously, so `buildDist`
 * stays a plain function. The WebAssembly module only instantiates asynchronously; it runs in one
 * worker thread per process, and the caller blocks on a shared flag until the SVG is back. The
 * worker is created on first use (never on `xacct --help`'s path) and does not keep the process alive.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const viz = require(workerData.viz).instance();
parentPort.on('message', async ({ dot, port, flag }) => {
  let reply;
  try {
    reply = { svg: (await viz).renderString(dot, { format: 'svg', engine: 'dot' }) };
  } catch (err) {
    reply = { error: String((err && err.message) || err) };
  }
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

let worker: Worker | undefined;

function graphvizWorker(): Worker {
  if (!worker) {
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { viz: require.resolve('@viz-js/viz') } });
    worker.unref();
    worker.on('error', () => {
      worker = undefined;
    });
  }
  return worker;
}

/** Start loading Graphviz in its thread now, so it is ready by the time `renderSvg` is called. */
export function prepareSvgRenderer(): void {
  graphvizWorker();
}

/** The SVG Graphviz draws for `dot`. Throws Graphviz's message for invalid DOT. */
export function renderSvg(dot: string, timeoutMs = 60_000): string {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  try {
    graphvizWorker().postMessage({ dot, port: port2, flag }, [port2]);
    if (Atomics.wait(flag, 0, 0, timeoutMs) === 'timed-out') throw new Error(`Graphviz did not answer within ${timeoutMs} ms`);
    const reply = receiveMessageOnPort(port1)?.message as { svg?: string; error?: string } | undefined;
    if (!reply || reply.error !== undefined || reply.svg === undefined) throw new Error(`Graphviz: ${reply?.error ?? 'no answer'}`);
    return reply.svg;
  } finally {
    port1.close();
  }
}
