import WebSocket from 'ws';
import type { TestApp } from './test-app.js';

/** What a test reads of a pushed event. */
export interface ReceivedEvent {
  type: string;
  phonebook?: string;
  ids?: string[];
  username?: string;
  error?: { code: string };
  call?: { input: string; matches: { phonebook: string; displayName: string }[] };
}

/** Makes the test app listen on a free loopback port; returns its events URL. */
export async function listenForEvents(t: TestApp): Promise<string> {
  await t.server.listen({ port: 0, host: '127.0.0.1' });
  const address = t.server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return `ws://127.0.0.1:${port}/api/v1/events`;
}

/**
 * Opens the event socket (token as Bearer header, or none) and collects what arrives;
 * resolves once the server greeted it or refused it.
 */
export async function openEventSocket(
  url: string,
  token?: string,
): Promise<{ socket: WebSocket; events: ReceivedEvent[]; closed: Promise<number> }> {
  const socket = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const events: ReceivedEvent[] = [];
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    socket.on('message', (data: Buffer) => {
      const event = JSON.parse(data.toString()) as ReceivedEvent;
      events.push(event);
      if (event.type === 'hello' || event.type === 'error') resolve();
    });
  });
  return { socket, events, closed };
}

/** Waits until `check` holds (an event arrived), failing after `ms`. */
export async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for an event');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
