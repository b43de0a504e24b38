// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core
// (no browser download). Each page records console errors and page errors, so a test can
// assert that the Content-Security-Policy refused nothing the page itself needs.

import fs from 'node:fs';

import { chromium } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function findChromium() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  return CANDIDATES.find((candidate) => fs.existsSync(candidate));
}

export async function launchBrowser() {
  const executablePath = findChromium();
  if (!executablePath) {
    throw new Error(`chromium not found (looked in ${CANDIDATES.join(', ')}); run scripts/install-deps.sh --test`);
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true, timeout: 60000 });
}

// A page in a fresh context (no cookies). `problems` collects console errors, CSP refusals and
// uncaught exceptions.
export async function openPage(browser, { locale = 'en-GB', viewport = { width: 1280, height: 900 }, timezoneId = 'Europe/Paris' } = {}) {
  const context = await browser.newContext({ locale, viewport, timezoneId });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    // Failed loads are reported below with their URL; a 422 form page is not a failure.
    if (message.type() === 'error' && !/^Failed to load resource/.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    const request = response.request();
    if (response.status() >= 400 && request.resourceType() !== 'document') {
      problems.push(`${request.resourceType()} ${response.url()} answered ${response.status()}`);
    }
  });
  page.on('requestfailed', (request) => {
    problems.push(`${request.resourceType()} ${request.url()} failed: ${request.failure()?.errorText}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

// Sets a field whatever control the page uses for it (select, input, textarea). `scope` is a
// page or a locator (a form).
export async function setField(scope, name, value) {
  const locator = scope.locator(`[name="${name}"]`).first();
  const tag = await locator.evaluate((el) => el.tagName.toLowerCase());
  if (tag === 'select') await locator.selectOption(value);
  else await locator.fill(value);
}
