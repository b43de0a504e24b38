// A real SMTP server for the tests: postfix's smtp-sink, listening on 127.0.0.1 on a free port
// and dumping each mail transaction to its own file. The helpers read those files back as
// parsed messages (see mime.mjs), with the SMTP envelope smtp-sink records in front.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { parseMessage, addresses } from './mime.mjs';
import { freePort, sleep } from './vigie.mjs';

const CANDIDATES = ['/usr/sbin/smtp-sink', '/usr/lib/postfix/sbin/smtp-sink'];

export function findSmtpSink() {
  if (process.env.SMTP_SINK) return process.env.SMTP_SINK;
  return CANDIDATES.find((candidate) => fs.existsSync(candidate));
}

async function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

// The smtp-sink headers that precede the received message in a dump file.
function readEnvelope(message) {
  return {
    mailFrom: addresses(message.header('X-Mail-Args'))[0] || '',
    rcptTo: message.all('X-Rcpt-Args').flatMap((value) => addresses(value)),
    client: message.header('X-Client-Addr') || '',
  };
}

export class SmtpSink {
  constructor({ binary, dir, port, proc }) {
    this.binary = binary;
    this.dir = dir;
    this.host = '127.0.0.1';
    this.port = port;
    this.proc = proc;
    this.parsed = new Map();
    this.log = '';
  }

  // The dump files that smtp-sink has closed: a transaction still in progress keeps its file
  // open, which /proc shows. The directory is listed first, so a file that is closed by the
  // time the descriptors are read is complete.
  completeFiles() {
    const names = fs.readdirSync(this.dir).filter((name) => name.startsWith('msg.'));
    let open = null;
    try {
      const fdDir = `/proc/${this.proc.pid}/fd`;
      open = new Set();
      for (const fd of fs.readdirSync(fdDir)) {
        try {
          open.add(fs.readlinkSync(path.join(fdDir, fd)));
        } catch {
          // The descriptor closed while we looked.
        }
      }
    } catch {
      open = null;
    }
    const complete = [];
    for (const name of names) {
      const full = path.join(this.dir, name);
      if (open) {
        if (!open.has(full)) complete.push(full);
        continue;
      }
      // No /proc access: a file untouched for half a second is taken as complete.
      const stat = fs.statSync(full);
      if (Date.now() - stat.mtimeMs > 500) complete.push(full);
    }
    return complete;
  }

  // Every message received so far, oldest first.
  messages() {
    for (const file of this.completeFiles()) {
      if (this.parsed.has(file)) continue;
      const message = parseMessage(fs.readFileSync(file));
      message.file = file;
      message.envelope = readEnvelope(message);
      message.mtime = fs.statSync(file).mtimeMs;
      this.parsed.set(file, message);
    }
    return [...this.parsed.values()].sort((a, b) => a.mtime - b.mtime || (a.file < b.file ? -1 : 1));
  }

  // Messages whose envelope recipients or To header include `address`.
  messagesTo(address) {
    const wanted = address.toLowerCase();
    return this.messages().filter(
      (m) => m.envelope.rcptTo.includes(wanted) || addresses(m.to).includes(wanted),
    );
  }

  // Waits until `predicate` holds for at least `count` messages; returns them.
  async waitFor(predicate, { timeout = 30000, count = 1, what = 'a matching mail' } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = this.messages().filter(predicate);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        const seen = this.messages()
          .map((m) => `  to=${m.envelope.rcptTo.join(',')} subject=${JSON.stringify(m.subject)}`)
          .join('\n');
        throw new Error(
          `timed out after ${timeout} ms waiting for ${what} over SMTP ` +
            `(found ${found.length} of ${count}); received so far:\n${seen || '  (nothing)'}`,
        );
      }
      await sleep(150);
    }
  }

  async stop() {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  cleanup() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// Starts smtp-sink on 127.0.0.1 and a free port (or `port`). Throws with a clear message when
// postfix's smtp-sink is not installed (scripts/install-deps.sh --test installs it).
// Options: port (default: a free one); delaySeconds, how long the sink waits before answering
// each DATA command (a slow mail server).
export async function startSmtpSink({ port: fixedPort, delaySeconds } = {}) {
  const binary = findSmtpSink();
  if (!binary) {
    throw new Error(
      `smtp-sink not found (looked in ${CANDIDATES.join(', ')}); ` +
        'run scripts/install-deps.sh --test, which installs postfix',
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-smtp-'));
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // As root smtp-sink must drop privileges, and the unprivileged user must write the dumps.
  if (isRoot) fs.chmodSync(dir, 0o777);

  for (let attempt = 0; attempt < 5; attempt++) {
    const port = fixedPort ?? (await freePort());
    const args = [];
    if (isRoot) args.push('-u', 'nobody');
    if (delaySeconds) args.push('-w', String(delaySeconds));
    args.push('-d', path.join(dir, 'msg.'), `127.0.0.1:${port}`, '64');
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const sink = new SmtpSink({ binary, dir, port, proc });
    proc.stdout.on('data', (d) => (sink.log += d));
    proc.stderr.on('data', (d) => (sink.log += d));

    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && proc.exitCode === null) {
      if (await canConnect(port)) return sink;
      await sleep(50);
    }
    await sink.stop();
    if (attempt === 4) throw new Error(`smtp-sink did not start: ${sink.log}`);
  }
  throw new Error('unreachable');
}
