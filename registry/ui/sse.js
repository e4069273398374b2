// Server-Sent Events over fetch. The browser's EventSource cannot send an Authorization header,
// and a token in the query string would land in access logs, so the page reads the stream itself:
// same wire format (https://html.spec.whatwg.org/multipage/server-sent-events.html), same resume
// rule (Last-Event-ID), with capped backoff between reconnects.

/**
 * Feeds text chunks in, calls `onMessage({id, event, data})` for every complete message.
 * Pure apart from the callback, so the parsing follows the spec's line rules exactly.
 * @param {(message: {id: string, event: string, data: string}) => void} onMessage
 * @param {(ms: number) => void} [onRetry] the server's `retry:` advice
 */
export function createSseParser(onMessage, onRetry) {
  let buffer = '';
  let data = [];
  let event = '';
  let lastId = '';
  const dispatch = () => {
    if (data.length > 0)
      onMessage({ id: lastId, event: event || 'message', data: data.join('\n') });
    data = [];
    event = '';
  };
  const handleLine = (line) => {
    if (line === '') return dispatch();
    if (line.startsWith(':')) return; // comment, e.g. a keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) onRetry?.(Number(value));
  };
  return {
    /** @param {string} chunk */
    push(chunk) {
      buffer += chunk;
      // A trailing \r may be the first half of \r\n: hold it until the next chunk decides.
      const held = buffer.endsWith('\r') ? '\r' : '';
      const lines = buffer.slice(0, buffer.length - held.length).split(/\r\n|\r|\n/);
      // The last piece is an incomplete line: keep it for the next chunk.
      buffer = (lines.pop() ?? '') + held;
      for (const line of lines) handleLine(line);
    },
    /** The id to resume from after a reconnect. */
    get lastEventId() {
      return lastId;
    },
  };
}

/**
 * Keeps a stream open until `signal` aborts: reconnects after errors and clean ends, resuming
 * from the last id seen. Reports its state through `onState(state, detail)`:
 * "connecting", "open", "retrying" (detail: seconds until the next try), or "unauthorized"
 * (it then stops: a new token needs a new stream).
 * @param {{url: string, headers: () => Record<string, string>, signal: AbortSignal,
 *   onMessage: (message: {id: string, event: string, data: string}) => void,
 *   onState: (state: string, detail?: unknown) => void}} options
 */
export async function followEventStream({ url, headers, signal, onMessage, onState }) {
  let lastEventId = '';
  let delayMs = 1000;
  while (!signal.aborted) {
    onState('connecting');
    let status = 0;
    try {
      const parser = createSseParser(onMessage, (ms) => (delayMs = ms));
      const response = await fetch(url, {
        headers: {
          Accept: 'text/event-stream',
          ...headers(),
          ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
        },
        cache: 'no-store',
        signal,
      });
      status = response.status;
      if (status === 401 || status === 403) {
        onState('unauthorized', status);
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${status}`);
      onState('open');
      delayMs = 1000;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
        lastEventId = parser.lastEventId || lastEventId;
      }
    } catch (err) {
      if (signal.aborted) return;
      console.warn('event stream failed', err);
    }
    onState('retrying', Math.round(delayMs / 1000));
    await sleep(delayMs, signal);
    delayMs = Math.min(delayMs * 2, 15000);
  }
}

/** @param {number} ms @param {AbortSignal} signal */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
