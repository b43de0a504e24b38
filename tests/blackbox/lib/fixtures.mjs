// Test data: an inventory the tests know by heart, and valid reports to start from.

const pad = (n, width = 2) => String(n).padStart(width, '0');

// `instant` (a Date) written in RFC 3339 as seen from a zone `offsetMinutes` east of UTC.
export function rfc3339(instant, offsetMinutes = 0) {
  const local = new Date(instant.getTime() + offsetMinutes * 60000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

export function hoursAgo(hours) {
  return new Date(Date.now() - hours * 3600 * 1000);
}

// Midnight UTC, `days` days ago.
export function dayStart(daysAgo) {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysAgo));
}

// The day on which 192.0.2.200 changes hands, at 12:00 UTC (two days ago, well inside the
// accepted window and far from "now").
export const HANDOVER_DAY = dayStart(2);
export const HANDOVER = new Date(HANDOVER_DAY.getTime() + 12 * 3600 * 1000);

// Customers:
//   c-alpha  noc@alpha.test        svc-alpha-vps   192.0.2.0/28 (.0-.15)
//                                  svc-alpha-web   192.0.2.16/28
//   c-beta   abuse@beta.test       svc-beta-vps    198.51.100.0/28
//   c-gamma  security@gamma.test   svc-gamma-v6    2001:db8:1::/48
//   c-early  early@early.test      svc-early       192.0.2.200 until HANDOVER
//   c-late   late@late.test        svc-late        192.0.2.200 from HANDOVER on
export const CUSTOMERS = {
  alpha: { id: 'c-alpha', email: 'noc@alpha.test' },
  beta: { id: 'c-beta', email: 'abuse@beta.test' },
  gamma: { id: 'c-gamma', email: 'security@gamma.test' },
  early: { id: 'c-early', email: 'early@early.test' },
  late: { id: 'c-late', email: 'late@late.test' },
};

const LONG_AGO = '2020-01-01T00:00:00Z';

export const INVENTORY_CSV = [
  'customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,valid_to',
  `c-alpha,Alpha Web Services,noc@alpha.test,svc-alpha-vps,vps,192.0.2.0/28,${LONG_AGO},`,
  `c-alpha,Alpha Web Services,noc@alpha.test,svc-alpha-web,vps,192.0.2.16/28,${LONG_AGO},`,
  `c-beta,"Beta, SARL",abuse@beta.test,svc-beta-vps,vps,198.51.100.0/28,${LONG_AGO},`,
  `c-gamma,Gamma GmbH,security@gamma.test,svc-gamma-v6,vps,2001:db8:1::/48,${LONG_AGO},`,
  `c-early,Early Bird SAS,early@early.test,svc-early,vps,192.0.2.200,${LONG_AGO},${rfc3339(HANDOVER)}`,
  `c-late,Late Comer Ltd,late@late.test,svc-late,vps,192.0.2.200,${rfc3339(HANDOVER)},`,
  '',
].join('\n');

let counter = 0;
// A unique suffix for descriptions and idempotency keys.
export function unique(prefix = 'u') {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

// A complete, valid API report (vigie's own JSON). `overrides` replace top-level members;
// `reporter` overrides are merged.
export function apiReport(overrides = {}) {
  const { reporter, ...rest } = overrides;
  return {
    targets: ['192.0.2.5'],
    abuse_type: 'phishing',
    observed_at: rfc3339(hoursAgo(3), 120),
    reporter: {
      kind: 'person',
      name: 'Alice Martin',
      email: 'alice@reporter.test',
      share_email: false,
      ...(reporter || {}),
    },
    description: `A page imitating a bank login collects card numbers. ${unique('d')}`,
    good_faith: true,
    language: 'en',
    ...rest,
  };
}

// Form fields for a valid web form submission (without csrf), as [name, value] pairs.
export function formFields(overrides = {}) {
  const seen = hoursAgo(5);
  const fields = {
    targets: '192.0.2.6',
    abuse_date: `${seen.getUTCFullYear()}-${pad(seen.getUTCMonth() + 1)}-${pad(seen.getUTCDate())}`,
    abuse_time: `${pad(seen.getUTCHours())}:${pad(seen.getUTCMinutes())}`,
    abuse_zone: 'UTC',
    abuse_type: 'phishing',
    reporter_kind: 'person',
    first_name: 'Bruno',
    last_name: 'Durand',
    legal_form: '',
    company_name: '',
    authority_name: '',
    email: 'bruno@reporter.test',
    description: `A fake bank page asks for card numbers. ${unique('f')}`,
    good_faith: 'on',
    language: 'en',
    ...overrides,
  };
  return Object.entries(fields).filter(([, value]) => value !== undefined);
}

// The 26 abuse type ids of PRODUCT.md.
export const ABUSE_TYPES = [
  'botnet', 'bruteforce', 'copyright', 'dos', 'iptv', 'open_relay', 'spam', 'phishing',
  'security_flaw', 'virus', 'animal_welfare', 'child_sexual_abuse', 'consumer_information',
  'data_protection', 'illegal_speech', 'public_security', 'malware', 'civic_discourse',
  'non_consensual', 'pornography', 'minors_protection', 'scam', 'self_harm',
  'spam_advertising', 'unsafe_products', 'violence',
];

export const REJECT_REASONS = [
  'incomplete', 'not_illicit', 'not_ours', 'duplicate', 'offensive', 'insufficient_evidence',
  'other',
];
export const CLOSE_OUTCOMES = [
  'remediated', 'restricted', 'rejected', 'not_ours', 'duplicate', 'no_action',
];

// Errors of a 422 answer: asserts the shape and returns [{field, message}].
export function errorsOf(exchange) {
  const body = exchange.json();
  if (!Array.isArray(body.errors)) {
    throw new Error(`422 without an "errors" array:\n${exchange.describe()}`);
  }
  for (const error of body.errors) {
    if (typeof error.field !== 'string' || typeof error.message !== 'string' || !error.message) {
      throw new Error(`an error lacks field or message: ${JSON.stringify(error)}`);
    }
  }
  return body.errors;
}

// True when some error names `field`: exactly, or an element or member of it
// ("targets" matches "targets[1]", "reporter" matches "reporter.email").
export function names(errors, field) {
  return errors.some(
    (e) => e.field === field || e.field.startsWith(`${field}[`) || e.field.startsWith(`${field}.`),
  );
}
