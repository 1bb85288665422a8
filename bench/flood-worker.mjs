// The flood generator, in its own thread: an attacker is never inside the server's process, so
// autocannon's own work must not show up as the server's event-loop load (which is what
// @fastify/under-pressure sheds on). Plain JavaScript, so it runs the same under tsx and vitest.
// workerData: {origin, connections, maxSeconds, overallRate, requests: [{method, path, headers, body}],
// answered: an Int32Array over a SharedArrayBuffer, counting answers live}. Posts
// {type: 'done', result, tally} at the end; a 'stop' message ends the flood early.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const autocannon = createRequire(import.meta.url)('autocannon');
const { origin, connections, maxSeconds, overallRate, requests, answered } = workerData;

/** path → status → count */
const tally = {};
const count = (path) => (status) => {
  tally[path] ??= {};
  tally[path][status] = (tally[path][status] ?? 0) + 1;
  Atomics.add(answered, 0, 1);
};

const instance = autocannon({
  url: origin,
  connections,
  duration: maxSeconds,
  ...(overallRate ? { overallRate } : {}),
  requests: requests.map((r) => ({ ...r, onResponse: count(r.path) })),
});
parentPort.on('message', (message) => {
  if (message === 'stop') instance.stop();
});
instance.then((result) => {
  // Inside a worker thread autocannon encodes its histograms (latency, requests) for its own
  // aggregation; the plain counters are what we report.
  const { errors, timeouts, resets, duration, statusCodeStats } = result;
  const total = Object.values(statusCodeStats).reduce((n, s) => n + s.count, 0);
  parentPort.postMessage({ type: 'done', tally, result: { errors, timeouts, resets, duration, statusCodeStats, requests: { total } } });
  parentPort.close();
});
