// One server (and optionally one SMTP sink) per test file, started before its tests and stopped
// after them. Stopping fails the file if vigie died or reported a sanitizer error.

import { after, before } from 'node:test';

import { startSmtpSink } from './smtp.mjs';
import { startVigie } from './vigie.mjs';

export function useServer(options = {}) {
  const context = { vigie: undefined, sink: undefined };
  before(async () => {
    if (options.smtp) context.sink = await startSmtpSink();
    context.vigie = await startVigie({ ...options, smtp: context.sink });
  });
  after(async () => {
    try {
      if (context.vigie) await context.vigie.stop();
    } finally {
      if (context.sink) {
        await context.sink.stop();
        if (process.env.VIGIE_KEEP_DATA !== '1') context.sink.cleanup();
      }
    }
  });
  return context;
}
