// A throw-away PostgreSQL server for the black-box tests, as src/store/test_postgres.cc makes
// one for the store's tests: `initdb` into a fresh directory, `pg_ctl start` on 127.0.0.1 at a
// free port, a role `vigie` that logs in with a password and owns its databases (not a
// superuser, as in production), and one fresh database per data directory.
//
// With VIGIE_TEST_DATABASE=postgresql, the harness (vigie.mjs) gives every server it starts and
// every command it runs a database of this server instead of the SQLite file.
//
// One server for the whole run: scripts/test.sh starts it with
//   node tests/blackbox/lib/postgres.mjs start DIR [durable]  (prints the superuser's URL;
//                                                    durable: fsync on, for benchmarks)
//   node tests/blackbox/lib/postgres.mjs stop DIR
// and exports the URL as VIGIE_TEST_POSTGRES_URL. Without it, a test process that needs
// PostgreSQL starts a server of its own (about two seconds) and a watchdog that stops it and
// deletes its directory when the process ends, however it ends.
//
// The server runs with fsync off: the tests kill vigie, never the machine, so PostgreSQL's own
// flushes prove nothing here, and with them each CREATE or DROP DATABASE (a checkpoint) takes
// over a second. The store's tests (test_postgres.cc) keep fsync on.
//
// As root, initdb and pg_ctl run as the `postgres` user (PostgreSQL refuses to run as root).
// Binaries: $VIGIE_POSTGRES_BINDIR, else /usr/lib/postgresql/15/bin.

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const bindir = process.env.VIGIE_POSTGRES_BINDIR || '/usr/lib/postgresql/15/bin';

// True when the tests run on PostgreSQL (VIGIE_TEST_DATABASE=postgresql).
export function onPostgres() {
  return /^postgres(ql)?$/i.test(process.env.VIGIE_TEST_DATABASE ?? '');
}

// Why PostgreSQL cannot run here, or '' when it can.
export function postgresMissing() {
  if (process.env.VIGIE_TEST_POSTGRES_URL) return '';
  for (const tool of ['initdb', 'pg_ctl', 'postgres', 'psql']) {
    const file = path.join(bindir, tool);
    try {
      fs.accessSync(file, fs.constants.X_OK);
    } catch {
      return `no ${file} (scripts/install-deps.sh --test installs postgresql-15)`;
    }
  }
  if (isRoot() && serverUser() === undefined) return 'running as root and there is no postgres user';
  return '';
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

// {uid, gid} of the postgres user, or undefined.
function serverUser() {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (!line) return undefined;
  const fields = line.split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

function asServerUser(argv) {
  return isRoot() ? ['runuser', '-u', 'postgres', '--', ...argv] : argv;
}

function run(argv, { input, env } = {}) {
  const result = spawnSync(argv[0], argv.slice(1), {
    input: input ?? '',
    encoding: 'utf8',
    timeout: 120000,
    env: { ...process.env, ...env },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${argv.join(' ')} exited ${result.status ?? result.signal}:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

// Runs `sql` as the superuser at `adminUrl`; returns psql's unaligned output.
export function adminSql(adminUrl, sql) {
  return run([path.join(bindir, 'psql'), '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', adminUrl, '-c', sql]);
}

// A TCP port on 127.0.0.1 that nothing listened on a moment ago (synchronous: a child asks
// the kernel).
function freePortSync() {
  const script =
    "const s=require('net').createServer();s.listen({host:'127.0.0.1',port:0},()=>{process.stdout.write(String(s.address().port));s.close();});";
  return Number(run([process.execPath, '-e', script]));
}

// Starts a server in the empty directory `dir`; returns the superuser's URL. The password of
// both roles is in <dir>/password. `durable`: fsync on, as in production (the benchmarks).
export function startServer(dir, { durable = false } = {}) {
  const password = crypto.randomBytes(16).toString('hex');
  const passwordFile = path.join(dir, 'password');
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  fs.chmodSync(dir, 0o700);
  if (isRoot()) {
    const { uid, gid } = serverUser();
    fs.chownSync(dir, uid, gid);
    fs.chownSync(passwordFile, uid, gid);
  }
  const data = path.join(dir, 'data');
  run(
    asServerUser([
      path.join(bindir, 'initdb'), '-D', data, '-U', 'postgres', '--auth=scram-sha-256',
      `--pwfile=${passwordFile}`, '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions',
    ]),
  );
  let port;
  let lastError;
  for (let attempt = 0; attempt < 5 && port === undefined; attempt++) {
    const candidate = freePortSync();
    const options = `-k ${dir} -p ${candidate} -c listen_addresses=127.0.0.1 -c fsync=${durable ? 'on' : 'off'} -c max_connections=200`;
    try {
      run(asServerUser([
        path.join(bindir, 'pg_ctl'), 'start', '-w', '-t', '60', '-D', data,
        '-l', path.join(dir, 'server.log'), '-o', options,
      ]));
      port = candidate;
    } catch (error) {
      lastError = error;
    }
  }
  if (port === undefined) throw lastError;
  const adminUrl = `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`;
  adminSql(adminUrl, `CREATE ROLE vigie LOGIN CREATEDB PASSWORD '${password}'`);
  return adminUrl;
}

export function stopServer(dir) {
  const data = path.join(dir, 'data');
  if (fs.existsSync(path.join(data, 'postmaster.pid'))) {
    const argv = asServerUser([path.join(bindir, 'pg_ctl'), 'stop', '-D', data, '-m', 'immediate', '-w']);
    spawnSync(argv[0], argv.slice(1), { stdio: 'ignore' });
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

// The server of this process: the run's (VIGIE_TEST_POSTGRES_URL) or one started now.
let adminUrl;
let databaseCount = 0;
const databases = new Set();

function server() {
  if (adminUrl) return adminUrl;
  if (process.env.VIGIE_TEST_POSTGRES_URL) {
    adminUrl = process.env.VIGIE_TEST_POSTGRES_URL;
  } else {
    const missing = postgresMissing();
    if (missing) throw new Error(`PostgreSQL cannot run here: ${missing}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-bb-pg-'));
    // Stops the server and deletes it once this process is gone, whatever ended it.
    const stop = asServerUser([path.join(bindir, 'pg_ctl'), 'stop', '-D', path.join(dir, 'data'), '-m', 'immediate', '-w']);
    const watchdog = spawn(
      '/bin/sh',
      ['-c', 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; shift; dir=$1; shift; "$@"; rm -rf -- "$dir"',
        'vigie-pg-watchdog', String(process.pid), dir, ...stop],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
    adminUrl = startServer(dir);
  }
  process.once('exit', dropAll);
  return adminUrl;
}

function dropAll() {
  if (process.env.VIGIE_KEEP_DATA === '1') return;
  for (const name of databases) {
    try {
      adminSql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } catch {
      // The server is going away with the run anyway.
    }
  }
  databases.clear();
}

// The URL vigie connects with to database `name` of the server.
function vigieUrl(name) {
  const url = new URL(server());
  url.username = 'vigie';
  url.pathname = `/${name}`;
  return url.toString();
}

// A new, empty database owned by `vigie`; returns {name, url}.
export function createDatabase() {
  const admin = server();
  const name = `bb_${process.pid}_${++databaseCount}`;
  adminSql(admin, `CREATE DATABASE ${name} OWNER vigie`);
  databases.add(name);
  return { name, url: vigieUrl(name) };
}

export function dropDatabase(name) {
  if (!databases.has(name)) return;
  databases.delete(name);
  adminSql(server(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

// Runs `sql` as the superuser in database `name` (for tests that hold a lock, say).
export function databaseSql(name, sql) {
  const url = new URL(server());
  url.pathname = `/${name}`;
  return adminSql(url.toString(), sql);
}

// The superuser's URL of database `name`, for a psql session of a test's own.
export function adminUrlOf(name) {
  const url = new URL(server());
  url.pathname = `/${name}`;
  return url.toString();
}

// The command-line tool: one server for a whole run of the tests.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [command, dir, mode] = process.argv.slice(2);
  if (command === 'start' && dir) {
    const missing = postgresMissing();
    if (missing) {
      process.stderr.write(`PostgreSQL cannot run here: ${missing}\n`);
      process.exit(2);
    }
    fs.mkdirSync(dir, { recursive: true });
    process.stdout.write(`${startServer(dir, { durable: mode === 'durable' })}\n`);
  } else if (command === 'stop' && dir) {
    stopServer(dir);
  } else {
    process.stderr.write('usage: postgres.mjs start DIR [durable] | stop DIR\n');
    process.exit(64);
  }
}
