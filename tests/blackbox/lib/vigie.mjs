// Starts the real vigie binary for black-box tests and talks to it over HTTP.
//
//   const vigie = await startVigie({ inventoryCsv: INVENTORY_CSV, smtp: sink, staff: true });
//   const res = await vigie.request('POST', '/api/v1/reports', { json: report });
//   await vigie.stop();
//
// Each server gets its own temporary data directory and a free port on 127.0.0.1. Every
// response is checked to be below 500 unless a test says otherwise, and assertion messages
// carry the exchange (method, path, status, body excerpts) so a failure reads as a bug report.
//
// Environment:
//   VIGIE_BIN           the binary (default <repo>/build/vigie)
//   VIGIE_SHARED        the shared/ directory (default <repo>/../shared)
//   VIGIE_KEEP_DATA=1   keep data directories after the tests, for a look at what went wrong
//   VIGIE_START_TIMEOUT_MS  how long to wait for /healthz (default 60000: sanitizer builds are slow)
//   VIGIE_TEST_DATABASE=postgresql  every server and command uses a database of its own on a
//                       throw-away PostgreSQL server (postgres.mjs) instead of the SQLite file
//                       in its data directory

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { createDatabase, onPostgres } from './postgres.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const vigieBin = process.env.VIGIE_BIN || path.join(repoRoot, 'build', 'vigie');
export const sharedDir = process.env.VIGIE_SHARED || path.resolve(repoRoot, '..', 'shared');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A port on 127.0.0.1 that was free a moment ago.
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function makeDataDir(prefix = 'vigie-bb-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function requireBinary() {
  if (!fs.existsSync(vigieBin)) {
    throw new Error(
      `vigie binary not found at ${vigieBin}: build it first (scripts/test.sh does) ` +
        'or point VIGIE_BIN at it',
    );
  }
}

export { onPostgres };

// On PostgreSQL, each data directory stands for a database of its own, made when first used;
// nodes that share one database share its entry.
const databases = new Map(); // data directory -> {name, url}

// The options that point a vigie command at the database of `dataDir`: none on SQLite (the
// file in the data directory), `--database URL` on PostgreSQL.
export function databaseArgs(dataDir) {
  if (!onPostgres()) return [];
  return ['--database', databaseOf(dataDir).url];
}

// The PostgreSQL database {name, url} of `dataDir`, made when first asked for.
export function databaseOf(dataDir) {
  const key = path.resolve(dataDir);
  if (!databases.has(key)) databases.set(key, createDatabase());
  return databases.get(key);
}

// Makes `dataDir` use the database of `otherDataDir` (several nodes on one database).
export function shareDatabase(dataDir, otherDataDir) {
  if (onPostgres()) databases.set(path.resolve(dataDir), databaseOf(otherDataDir));
}

// Runs a vigie command (not serve) against `dataDir`; returns {stdout, stderr}. Throws with
// the command's output when it exits non-zero.
export function runCli(args, { dataDir, input } = {}) {
  requireBinary();
  const full = dataDir ? [...args, '--data', dataDir, ...databaseArgs(dataDir)] : args;
  const result = spawnSync(vigieBin, full, {
    input: input ?? '',
    encoding: 'utf8',
    timeout: 120000,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(
      `vigie ${full.join(' ')} exited with ${result.status ?? result.signal}\n` +
        `stdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
  return { stdout: result.stdout, stderr: result.stderr };
}

export function importInventory(dataDir, text, extension = '.csv') {
  const file = path.join(dataDir, `inventory-${Date.now()}${extension}`);
  fs.writeFileSync(file, text);
  return runCli(['inventory', 'import', file], { dataDir });
}

export function addUser(dataDir, email, password, role = 'admin') {
  return runCli(['user', 'add', email, '--role', role], { dataDir, input: `${password}\n` });
}

// Returns the staff API token `vigie token add` prints on its last line.
export function addToken(dataDir, email) {
  const { stdout } = runCli(['token', 'add', email], { dataDir });
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  assert.ok(lines.length > 0, `vigie token add ${email} printed nothing`);
  return lines[lines.length - 1];
}

const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: \w+Sanitizer/;

function excerpt(text, max = 600) {
  if (text === undefined || text === null) return '';
  const s = typeof text === 'string' ? text : Buffer.isBuffer(text) ? text.toString('latin1') : JSON.stringify(text);
  return s.length > max ? `${s.slice(0, max)}... (${s.length} bytes)` : s;
}

// One HTTP exchange, as the tests see it.
export class Exchange {
  constructor({ method, url, requestHeaders, requestBody, status, headers, body }) {
    this.method = method;
    this.url = url;
    this.requestHeaders = requestHeaders;
    this.requestBody = requestBody;
    this.status = status;
    this.headers = headers; // lower-case name -> value (set-cookie: array)
    this.body = body; // Buffer
    this.text = body.toString('utf8');
  }

  json() {
    try {
      return JSON.parse(this.text);
    } catch (error) {
      throw new Error(`response is not JSON (${error.message})\n${this.describe()}`);
    }
  }

  header(name) {
    return this.headers[name.toLowerCase()];
  }

  // The exchange as a short transcript for assertion messages and reports.
  describe() {
    const u = new URL(this.url);
    const sent = this.requestBody === undefined ? '' : `\n  > ${excerpt(this.requestBody)}`;
    return (
      `${this.method} ${u.pathname}${u.search} -> ${this.status}` +
      `${sent}\n  < content-type: ${this.header('content-type') ?? '(none)'}` +
      `\n  < ${excerpt(this.text)}`
    );
  }
}

// Sends a request with node:http rather than fetch so that a server answering early (413
// before the body is read) and closing is still seen as its answer, not as a socket error.
export function rawRequest(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    const allHeaders = { ...headers };
    if (payload !== undefined) allHeaders['content-length'] = String(payload.length);
    const req = http.request(url, { method, headers: allHeaders, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () =>
        resolve(
          new Exchange({
            method,
            url,
            requestHeaders: allHeaders,
            requestBody: payload,
            status: res.statusCode,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        ),
      );
      res.on('error', reject);
    });
    req.setTimeout(60000, () => req.destroy(new Error(`${method} ${url}: no answer in 60 s`)));
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', (error) => {
      // The server may close while we still write a body it has already refused.
      if (answered && ['EPIPE', 'ECONNRESET'].includes(error.code)) return;
      reject(new Error(`${method} ${url}: ${error.message}`));
    });
    // Write the body in pieces and stop once an answer arrives, as browsers and curl do.
    let offset = 0;
    const pump = () => {
      if (payload === undefined) return req.end();
      while (offset < payload.length && !answered) {
        const chunk = payload.subarray(offset, offset + 65536);
        offset += chunk.length;
        if (!req.write(chunk)) return req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    // With "Expect: 100-continue" the body waits for the server's go-ahead (or its refusal).
    const expects = Object.entries(allHeaders).some(
      ([name, value]) => name.toLowerCase() === 'expect' && /100-continue/i.test(value),
    );
    if (expects && payload !== undefined) {
      req.flushHeaders();
      req.once('continue', pump);
    } else {
      pump();
    }
  });
}

// Collects cookies like a browser would, for the form and the desk (one origin only).
export class Session {
  constructor(vigie) {
    this.vigie = vigie;
    this.cookies = new Map();
  }

  remember(exchange) {
    let setCookie = exchange.headers['set-cookie'] || [];
    if (!Array.isArray(setCookie)) setCookie = [setCookie];
    for (const line of setCookie) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some(
        (a) => /^\s*max-age\s*=\s*0\s*$/i.test(a) || /^\s*expires=.*19[0-9]{2}/i.test(a),
      );
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(method, pathname, options = {}) {
    const headers = { ...(options.headers || {}) };
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader();
    const exchange = await this.vigie.request(method, pathname, { ...options, headers });
    this.remember(exchange);
    return exchange;
  }

  get(pathname, options = {}) {
    return this.request('GET', pathname, options);
  }

  // Posts application/x-www-form-urlencoded `fields` ([[name, value]] or an object).
  postForm(pathname, fields, options = {}) {
    return this.request('POST', pathname, {
      ...options,
      body: encodeForm(fields),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: this.vigie.baseUrl,
        ...(options.headers || {}),
      },
    });
  }
}

export function encodeForm(fields) {
  const pairs = Array.isArray(fields) ? fields : Object.entries(fields);
  return pairs
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&')
    .replace(/%20/g, '+');
}

// The HTML helpers below are deliberately simple: they read the pages vigie renders itself.

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
export function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, code) => {
    if (code[0] === '#') {
      const n = code[1] === 'x' || code[1] === 'X' ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
      return String.fromCodePoint(n);
    }
    return ENTITIES[code] ?? m;
  });
}

export function parseAttributes(tag) {
  const attributes = {};
  const attribute = /([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const inner = tag.replace(/^<[a-zA-Z0-9-]+/, '').replace(/\/?>$/, '');
  let match;
  while ((match = attribute.exec(inner)) !== null) {
    const value = match[2] ?? match[3] ?? match[4] ?? '';
    attributes[match[1].toLowerCase()] = decodeEntities(value);
  }
  return attributes;
}

// Every start tag named `name` in `html`, as attribute maps.
export function findTags(html, name) {
  const tags = [];
  const pattern = new RegExp(`<${name}(?=[\\s/>])[^>]*>`, 'gi');
  let match;
  while ((match = pattern.exec(html)) !== null) tags.push(parseAttributes(match[0]));
  return tags;
}

// The value of the hidden input `name` (the CSRF token), or undefined.
export function hiddenValue(html, name = 'csrf') {
  const input = findTags(html, 'input').find((attributes) => attributes.name === name);
  return input ? input.value : undefined;
}

// The text content of the element with id `id` (tags stripped, entities decoded), or undefined.
export function textById(html, id) {
  const open = new RegExp(`<([a-zA-Z0-9]+)[^>]*\\sid\\s*=\\s*["']?${id}["'\\s>][^>]*>`, 'i');
  const match = open.exec(html);
  if (!match) return undefined;
  const tag = match[1];
  const rest = html.slice(match.index + match[0].length);
  const close = rest.search(new RegExp(`</${tag}\\s*>`, 'i'));
  const inner = close < 0 ? rest : rest.slice(0, close);
  return decodeEntities(inner.replace(/<[^>]*>/g, '')).trim();
}

export const REFERENCE_PATTERN = /VG-[0-9A-HJKMNP-TV-Z]{10}/;

export class Vigie {
  constructor({ proc, port, dataDir, args }) {
    this.proc = proc;
    this.port = port;
    this.dataDir = dataDir;
    this.args = args;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.stdout = '';
    this.stderr = '';
    this.staffToken = undefined;
    this.staffEmail = undefined;
    this.staffPassword = undefined;
    this.exchanges = [];
  }

  url(pathname) {
    return new URL(pathname, this.baseUrl).toString();
  }

  alive() {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  // Sends a request. Options: json (object, sent as JSON), body (string/Buffer), headers,
  // token (a bearer token), allow5xx (do not fail on 5xx).
  async request(method, pathname, options = {}) {
    const headers = { ...(options.headers || {}) };
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const exchange = await rawRequest(this.url(pathname), { method, headers, body });
    this.exchanges.push(exchange);
    if (!options.allow5xx) {
      assert.ok(
        exchange.status < 500,
        `server answered ${exchange.status}, never acceptable:\n${exchange.describe()}` +
          `\nserver stderr (tail):\n${this.stderr.slice(-2000)}`,
      );
    }
    return exchange;
  }

  get(pathname, options) {
    return this.request('GET', pathname, options);
  }

  session() {
    return new Session(this);
  }

  // API: files a report (vigie JSON or XARF); returns the exchange.
  postReport(report, { idempotencyKey, headers = {} } = {}) {
    const extra = { ...headers };
    if (idempotencyKey) extra['idempotency-key'] = idempotencyKey;
    const body = typeof report === 'string' || Buffer.isBuffer(report) ? report : JSON.stringify(report);
    return this.request('POST', '/api/v1/reports', {
      body,
      headers: { 'content-type': 'application/json', ...extra },
    });
  }

  // Files a report that must be accepted; returns {reference, status_url, token, exchange}.
  async fileReport(report, options) {
    const exchange = await this.postReport(report, options);
    assert.equal(exchange.status, 201, `report refused:\n${exchange.describe()}`);
    const answer = exchange.json();
    assert.match(answer.reference ?? '', REFERENCE_PATTERN, `no reference:\n${exchange.describe()}`);
    assert.equal(typeof answer.status_url, 'string', `no status_url:\n${exchange.describe()}`);
    const token = new URL(answer.status_url, this.baseUrl).searchParams.get('token');
    return { reference: answer.reference, status_url: answer.status_url, token, exchange };
  }

  // Staff API.
  async listCases(query = {}) {
    const search = new URLSearchParams(query).toString();
    const exchange = await this.get(`/api/v1/cases${search ? `?${search}` : ''}`, {
      token: this.staffToken,
    });
    assert.equal(exchange.status, 200, exchange.describe());
    const body = exchange.json();
    assert.ok(Array.isArray(body.cases), `no "cases" array:\n${exchange.describe()}`);
    return body.cases;
  }

  async getCase(id) {
    const exchange = await this.get(`/api/v1/cases/${encodeURIComponent(id)}`, {
      token: this.staffToken,
    });
    assert.equal(exchange.status, 200, exchange.describe());
    return exchange.json();
  }

  decide(id, decision, token = this.staffToken) {
    return this.request('POST', `/api/v1/cases/${encodeURIComponent(id)}/decisions`, {
      json: decision,
      token,
    });
  }

  // The case holding report `reference`, polling briefly in case cases are built in the
  // background. Matches on the reference appearing anywhere in the case's reports.
  async caseOfReport(reference, { timeout = 15000 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      for (const summary of await this.listCases()) {
        const full = await this.getCase(summary.id);
        if (JSON.stringify(full.reports ?? []).includes(reference)) return { summary, full };
      }
      if (Date.now() > deadline) {
        throw new Error(`no case lists report ${reference} after ${timeout} ms`);
      }
      await sleep(200);
    }
  }

  // Files in <data>/mail (the file-drop transport), parsed.
  mailDir() {
    return path.join(this.dataDir, 'mail');
  }

  sanitizerReport() {
    const match = SANITIZER_REPORT.exec(this.stderr);
    return match ? this.stderr.slice(Math.max(0, match.index - 200), match.index + 3000) : '';
  }

  // Stops the server (SIGTERM, then SIGKILL after 10 s) and returns {code, signal}. Throws if
  // the server reported a sanitizer error or had already died.
  async stop({ cleanup = true } = {}) {
    const diedEarly = !this.alive();
    let result = { code: this.proc.exitCode, signal: this.proc.signalCode };
    if (!diedEarly) {
      const exited = new Promise((resolve) =>
        this.proc.once('exit', (code, signal) => resolve({ code, signal })),
      );
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => {
        console.error(`warning: vigie (pid ${this.proc.pid}) did not exit within 10 s of SIGTERM; sending SIGKILL`);
        this.proc.kill('SIGKILL');
      }, 10000);
      result = await exited;
      clearTimeout(timer);
    }
    const keep = process.env.VIGIE_KEEP_DATA === '1';
    if (cleanup && !keep) fs.rmSync(this.dataDir, { recursive: true, force: true });
    const report = this.sanitizerReport();
    if (report) throw new Error(`vigie reported a sanitizer error:\n${report}`);
    if (diedEarly) {
      throw new Error(
        `vigie died during the tests (${result.code ?? result.signal}); stderr tail:\n` +
          this.stderr.slice(-3000),
      );
    }
    return result;
  }
}

// Starts `vigie serve` with a fresh data directory (or `dataDir`) on a free port and waits for
// GET /healthz to answer 200.
//
// Options:
//   dataDir        reuse this directory (default: a new temporary one)
//   inventoryCsv   text imported with `vigie inventory import` before the server starts
//   inventoryJsonl same, as JSON Lines
//   staff          true: create an admin account and an API token (vigie.staffToken,
//                  vigie.staffEmail, vigie.staffPassword)
//   smtp           an SmtpSink: mail goes to it (otherwise to <data>/mail/*.eml)
//   demo           pass --demo
//   mailFrom       --mail-from (default abuse@vigie.test)
//   args           further arguments for serve
//   env            further environment variables for serve
export async function startVigie(options = {}) {
  requireBinary();
  const dataDir = options.dataDir || makeDataDir();

  if (options.inventoryCsv) importInventory(dataDir, options.inventoryCsv, '.csv');
  if (options.inventoryJsonl) importInventory(dataDir, options.inventoryJsonl, '.jsonl');
  let staff;
  if (options.staff) {
    staff = { email: 'agent@vigie.test', password: 'correct horse battery staple 42' };
    addUser(dataDir, staff.email, staff.password, 'admin');
    staff.token = addToken(dataDir, staff.email);
  }

  const timeout = Number(process.env.VIGIE_START_TIMEOUT_MS || 60000);
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = ['serve', '--data', dataDir, ...databaseArgs(dataDir), '--listen', `127.0.0.1:${port}`];
    args.push('--public-url', `http://127.0.0.1:${port}`);
    args.push('--mail-from', options.mailFrom || 'abuse@vigie.test');
    if (options.smtp) {
      args.push('--smtp-host', options.smtp.host, '--smtp-port', String(options.smtp.port));
    }
    if (options.demo) args.push('--demo');
    args.push(...(options.args || []));

    const env = { ...process.env, ...(options.env || {}) };
    const proc = spawn(vigieBin, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const vigie = new Vigie({ proc, port, dataDir, args });
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (d) => (vigie.stdout += d));
    proc.stderr.on('data', (d) => (vigie.stderr += d));
    if (staff) {
      vigie.staffToken = staff.token;
      vigie.staffEmail = staff.email;
      vigie.staffPassword = staff.password;
    }

    const deadline = Date.now() + timeout;
    while (Date.now() < deadline && vigie.alive()) {
      try {
        const health = await rawRequest(vigie.url('/healthz'));
        if (health.status === 200) return vigie;
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
    lastError = new Error(
      `vigie ${args.join(' ')} did not become healthy ` +
        `(${vigie.alive() ? `no 200 from /healthz in ${timeout} ms` : `exited ${proc.exitCode ?? proc.signalCode}`})` +
        `\nstdout: ${vigie.stdout.slice(-2000)}\nstderr: ${vigie.stderr.slice(-3000)}`,
    );
    if (vigie.alive()) {
      proc.kill('SIGKILL');
      await new Promise((resolve) => proc.once('exit', resolve));
    }
    // A port taken between freePort() and bind() is worth another try; anything else is not.
    if (!/address already in use|EADDRINUSE|bind/i.test(vigie.stderr)) break;
  }
  throw lastError;
}

// Where the shared XARF samples are, or undefined when shared/ is not beside the repository.
export function xarfSampleDir() {
  const dir = path.join(sharedDir, 'corpus', 'xarf', 'samples', 'v4');
  return fs.existsSync(dir) ? dir : undefined;
}

// Signs in to the desk with the staff account through the login form; returns the session.
export async function loginDesk(vigie, email = vigie.staffEmail, password = vigie.staffPassword) {
  const session = vigie.session();
  const page = await session.get('/desk/login');
  assert.equal(page.status, 200, page.describe());
  const csrf = hiddenValue(page.text, 'csrf');
  assert.ok(csrf, `no csrf input on the login page:\n${page.describe()}`);
  const res = await session.postForm('/desk/login', { email, password, csrf });
  assert.ok([302, 303].includes(res.status), `sign-in: ${res.describe()}`);
  assert.match(res.header('location') ?? '', /\/desk\/?(\?.*)?$/, `sign-in redirect: ${res.describe()}`);
  return session;
}

// The public form: GET / (with `query`), returns {page, csrf, action}.
export async function openReportForm(session, query = '', headers = {}) {
  const page = await session.get(`/${query}`, { headers });
  assert.equal(page.status, 200, page.describe());
  const form = findTags(page.text, 'form').find((f) => (f.method ?? '').toLowerCase() === 'post');
  assert.ok(form, `no POST form on /:\n${page.describe()}`);
  const csrf = hiddenValue(page.text, 'csrf');
  assert.ok(csrf, `no csrf input on the form:\n${page.describe()}`);
  return { page, csrf, action: form.action || '/reports' };
}

// Posts the public form; follows a 303 to the confirmation. Returns {exchange, page, reference}:
// `page` is the final page (the confirmation, or the re-rendered form on error), `reference`
// the text of #reference when there is one.
export async function submitReportForm(session, fields, { csrf, action = '/reports' } = {}) {
  const pairs = Array.isArray(fields) ? [...fields] : Object.entries(fields);
  if (csrf !== undefined && !pairs.some(([name]) => name === 'csrf')) pairs.push(['csrf', csrf]);
  const exchange = await session.postForm(new URL(action, session.vigie.baseUrl).pathname, pairs);
  let page = exchange;
  if ([302, 303].includes(exchange.status)) {
    const location = exchange.header('location');
    assert.ok(location, `redirect without Location: ${exchange.describe()}`);
    const target = new URL(location, session.vigie.baseUrl);
    page = await session.get(target.pathname + target.search);
  }
  const reference = textById(page.text, 'reference');
  return { exchange, page, reference };
}
