// §3 slow clients and descriptors: a real server process under a low descriptor limit, a
// bounded crowd of clients trickling their requests a byte at a time, and normal requests
// that keep being answered. Everything is on 127.0.0.1 and stops by itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, startServer } from '../../helpers/process';

const dataDir = mkdtempSync(join(tmpdir(), 'sealdesk-slow-'));
afterAll(async () => {
  await killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const FILE_LIMIT = 128;
/** More than the descriptors the server has: without a cap and timeouts they would exhaust them. */
const TRICKLERS = 200;
/** Each trickler gives up by itself after this long. */
const TRICKLE_FOR_MS = 9_000;

interface Trickle {
  /** Milliseconds until the server closed the socket; undefined if it was still open at the end. */
  closedByServerAfterMs: Promise<number | undefined>;
}

/** Opens a socket and sends a request one byte every `everyMs`: the head, then (if any) a body. */
function trickle(port: number, request: string, everyMs: number): Trickle {
  const started = Date.now();
  const socket = connect({ host: '127.0.0.1', port });
  let sent = 0;
  let ownEnd = false;
  const timer = setInterval(() => {
    if (sent < request.length && socket.writable) socket.write(request[sent++]!);
  }, everyMs);
  const stop = setTimeout(() => {
    ownEnd = true;
    socket.destroy();
  }, TRICKLE_FOR_MS);
  socket.on('error', () => {}); // refused or reset by the server: exactly what we allow
  return {
    closedByServerAfterMs: new Promise((resolve) =>
      socket.on('close', () => {
        clearInterval(timer);
        clearTimeout(stop);
        resolve(ownEnd ? undefined : Date.now() - started);
      }),
    ),
  };
}

describe('slow clients under a low descriptor limit', () => {
  it('are cut off by the timeouts while normal requests keep being answered, and the process survives', async () => {
    // Given a server with 128 descriptors and short deadlines
    const server = await startServer(
      dataDir,
      { SEALDESK_HEADERS_TIMEOUT_MS: '1500', SEALDESK_REQUEST_TIMEOUT_MS: '2500', SEALDESK_IDLE_TIMEOUT_MS: '2500', SEALDESK_MAX_CONNECTIONS: '100000' },
      90_000,
      { fileLimit: FILE_LIMIT },
    );
    const port = Number(new URL(server.url).port);
    let exitedEarly = false;
    void server.exited.then(() => (exitedEarly = true));

    // When 200 clients trickle: half the request head, half a declared body, a byte every 400 ms
    const head = 'POST /api/pow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n';
    const tricklers: Trickle[] = [];
    for (let i = 0; i < TRICKLERS; i++) {
      const request = i % 2 === 0 ? `${head}X-Slow: ${'a'.repeat(200)}\r\n\r\n` : `${head}Content-Length: 500\r\n\r\n{"purpose":"register"${' '.repeat(500)}`;
      tricklers.push(trickle(port, request, 400));
    }
    // ... while a normal client asks for health every 250 ms
    const answers: number[] = [];
    const deadline = Date.now() + TRICKLE_FOR_MS;
    while (Date.now() < deadline) {
      const status = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status,
        () => 0,
      );
      answers.push(status);
      await new Promise((r) => setTimeout(r, 250));
    }
    const closed = await Promise.all(tricklers.map((t) => t.closedByServerAfterMs));

    // Then the process is alive and answering
    expect(exitedEarly, server.output()).toBe(false);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    // and every trickler was cut off by the server (refused, or timed out) well before giving up
    expect(closed.filter((ms) => ms === undefined)).toHaveLength(0);
    expect(Math.max(...(closed as number[]))).toBeLessThan(TRICKLE_FOR_MS - 2000);
    // and normal requests were answered during the crowd (after its first wave was cut off, all of them)
    const answered = answers.filter((s) => s === 200).length;
    expect(answered, JSON.stringify(answers)).toBeGreaterThan(answers.length / 2);
    expect(answers.slice(-10), JSON.stringify(answers)).toEqual(Array(10).fill(200));
    expect(answers.every((s) => s === 200 || s === 503 || s === 0)).toBe(true);

    await server.kill('SIGTERM');
  }, 60_000);
});
