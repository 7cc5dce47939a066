/**
 * The control plane's side of talking to one answering thread (./worker-host.ts): requests that
 * wait for a reply, and the thread's log lines written through the control plane's logger.
 *
 * Contract of WorkerRequests: `ask` posts a message and resolves with the first reply `matches`
 * accepts (by request id when `byId`, then rejected after `timeoutMs` without one); every message
 * from the thread goes through `offer`; `failAll` rejects everything waiting (the thread exited).
 */
import type { Logger } from '../log.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

export class WorkerRequests {
  readonly #waiting = new Map<number, { offer: (message: FromWorker) => void; fail: (error: Error) => void }>();
  #next = 1;

  ask(post: (message: ToWorker) => void, message: ToWorker, matches: (m: FromWorker) => boolean, byId: boolean, timeoutMs: number): Promise<FromWorker> {
    const request = this.#next++;
    if (byId && 'request' in message) message.request = request;
    return new Promise((resolve, reject) => {
      const timer = byId ? setTimeout(() => (this.#waiting.delete(request), reject(new Error('answering worker did not reply'))), timeoutMs) : undefined;
      const offer = (reply: FromWorker): void => {
        if (!matches(reply) || (byId && (reply as { request?: number }).request !== request)) return;
        clearTimeout(timer);
        this.#waiting.delete(request);
        resolve(reply);
      };
      const fail = (error: Error): void => {
        clearTimeout(timer);
        this.#waiting.delete(request);
        reject(error);
      };
      this.#waiting.set(request, { offer, fail });
      post(message);
    });
  }

  offer(message: FromWorker): void {
    for (const waiter of [...this.#waiting.values()]) waiter.offer(message);
  }

  failAll(error: Error): void {
    for (const waiter of [...this.#waiting.values()]) waiter.fail(error);
  }
}

/** A log line of the thread (pino JSON), written through `logger` (its level and format); `fallback` says when it does not parse. */
export function relogWorkerLine(logger: Logger, fallback: Logger, line: string): void {
  try {
    const { level, time: _time, pid: _pid, hostname: _host, msg, ...fields } = JSON.parse(line) as Record<string, unknown> & { level: number; msg?: string };
    const name = (logger.levels.labels[level] ?? 'info') as 'info';
    logger[name](fields, msg);
  } catch {
    fallback.info({ line }, 'answering worker wrote an unreadable log line');
  }
}
