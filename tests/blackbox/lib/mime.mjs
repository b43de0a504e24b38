// A small reader for the RFC 5322 / MIME messages vigie sends: header unfolding, RFC 2047
// encoded-words, multipart bodies, quoted-printable and base64. It reads what a mail client
// would show a person, so the tests can look for a reference or a reporter's address in the
// decoded text rather than in the wire form.
//
// Bytes are carried as "binary" strings (one char per byte, latin1) until a text part is
// decoded with its charset, so nothing is lost before the decoder sees it.

const decoders = new Map();

function decodeBytes(bytes, charset) {
  let label = (charset || 'utf-8').toLowerCase();
  if (label === 'us-ascii' || label === 'ascii') label = 'utf-8';
  let decoder = decoders.get(label);
  if (!decoder) {
    try {
      decoder = new TextDecoder(label, { fatal: false });
    } catch {
      decoder = new TextDecoder('utf-8', { fatal: false });
    }
    decoders.set(label, decoder);
  }
  return decoder.decode(bytes);
}

// Splits a message (or a MIME part) into its header block and its body.
export function splitHeaderBody(raw) {
  const match = /\r?\n\r?\n/.exec(raw);
  if (!match) return { head: raw, body: '' };
  return { head: raw.slice(0, match.index), body: raw.slice(match.index + match[0].length) };
}

// Decodes the RFC 2047 encoded-words of a header value. Whitespace between two adjacent
// encoded-words is dropped, as the RFC says.
export function decodeEncodedWords(value) {
  const word = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;
  const joined = value.replace(/(\?=)[ \t\r\n]+(?==\?[^?\s]+\?[bBqQ]\?)/g, '$1');
  return joined.replace(word, (_, charset, encoding, text) => {
    let bytes;
    if (encoding.toLowerCase() === 'b') {
      bytes = Buffer.from(text, 'base64');
    } else {
      const qp = text.replace(/_/g, ' ');
      bytes = Buffer.from(
        qp.replace(/=([0-9A-Fa-f]{2})/g, (m, hex) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      );
    }
    return decodeBytes(bytes, charset.split('*')[0]);
  });
}

// Parses a header block into [{name, value}] in order, unfolded. `value` is the raw value
// (encoded-words left alone); use decodeEncodedWords for display text.
export function parseHeaders(head) {
  const headers = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1].value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return headers;
}

// "text/plain; charset=utf-8" -> {type: "text/plain", params: {charset: "utf-8"}}
export function parseContentType(value) {
  const text = value || 'text/plain; charset=us-ascii';
  const semicolon = text.indexOf(';');
  const type = (semicolon < 0 ? text : text.slice(0, semicolon)).trim().toLowerCase();
  const params = {};
  const param = /;\s*([^=\s;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;
  let match;
  while ((match = param.exec(text)) !== null) {
    const raw = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3];
    params[match[1].toLowerCase()] = raw;
  }
  return { type, params };
}

export function decodeQuotedPrintable(binary) {
  const unfolded = binary.replace(/=\r?\n/g, '');
  return Buffer.from(
    unfolded.replace(/=([0-9A-Fa-f]{2})/g, (m, hex) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
}

function decodeTransfer(binary, encoding) {
  switch ((encoding || '7bit').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(binary.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(binary);
    default:
      return Buffer.from(binary, 'latin1');
  }
}

function header(headers, name) {
  const wanted = name.toLowerCase();
  const found = headers.find((h) => h.name.toLowerCase() === wanted);
  return found ? found.value : undefined;
}

// Parses one entity (a message or a part) into {headers, contentType, parts, text, html}.
// `parts` holds the leaves in document order: {contentType, charset, body} with body decoded.
export function parseEntity(binary) {
  const { head, body } = splitHeaderBody(binary);
  const headers = parseHeaders(head);
  const contentType = parseContentType(header(headers, 'Content-Type'));
  const leaves = [];

  if (contentType.type.startsWith('multipart/') && contentType.params.boundary) {
    const delimiter = '--' + contentType.params.boundary;
    const lines = body.split(/\r?\n/);
    let current = null;
    const chunks = [];
    for (const line of lines) {
      if (line.trimEnd() === delimiter + '--') {
        if (current) chunks.push(current);
        current = null;
        break;
      }
      if (line.trimEnd() === delimiter) {
        if (current) chunks.push(current);
        current = [];
        continue;
      }
      if (current) current.push(line);
    }
    if (current) chunks.push(current);
    for (const chunk of chunks) {
      leaves.push(...parseEntity(chunk.join('\r\n')).parts);
    }
  } else {
    const bytes = decodeTransfer(body, header(headers, 'Content-Transfer-Encoding'));
    const isText = contentType.type.startsWith('text/');
    leaves.push({
      contentType: contentType.type,
      charset: contentType.params.charset,
      body: isText ? decodeBytes(bytes, contentType.params.charset) : bytes,
    });
  }
  return { headers, contentType, parts: leaves };
}

// Parses a whole message from a Buffer (or binary string). Returns:
//   headers   [{name, value}] raw values, in order
//   header(n) first value of header n, encoded-words decoded
//   all(n)    every value of header n, decoded
//   subject, from, to, text (first text/plain part), html (first text/html part), raw
export function parseMessage(input) {
  const binary = Buffer.isBuffer(input) ? input.toString('latin1') : input;
  const entity = parseEntity(binary);
  const all = (name) =>
    entity.headers
      .filter((h) => h.name.toLowerCase() === name.toLowerCase())
      .map((h) => decodeEncodedWords(h.value));
  const first = (name) => all(name)[0];
  const text = entity.parts.find((p) => p.contentType === 'text/plain');
  const html = entity.parts.find((p) => p.contentType === 'text/html');
  return {
    headers: entity.headers,
    header: first,
    all,
    contentType: entity.contentType,
    parts: entity.parts,
    subject: first('Subject') || '',
    from: first('From') || '',
    to: first('To') || '',
    text: text ? text.body : '',
    html: html ? html.body : '',
    raw: Buffer.isBuffer(input) ? input.toString('utf8') : input,
  };
}

// The bare addresses in an address header value ("Name <a@b>, c@d" -> ["a@b", "c@d"]).
export function addresses(value) {
  if (!value) return [];
  const found = [];
  const angle = /<([^<>\s]+@[^<>\s]+)>/g;
  let match;
  while ((match = angle.exec(value)) !== null) found.push(match[1].toLowerCase());
  if (found.length > 0) return found;
  return value
    .split(',')
    .map((a) => a.trim().toLowerCase())
    .filter((a) => a.includes('@'));
}
