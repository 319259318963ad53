import { z } from 'zod';
import {
  ApiError,
  type CallResult,
  describeZodError,
  type EventName,
  type EventPayload,
  events,
  type Input,
  type Method,
  type Output,
  requests,
} from './contract';

/** What the backend implements: one async function per request in the contract. */
export type Handlers = { [M in Method]: (input: z.infer<(typeof requests)[M]['input']>) => Promise<Output<M>> };

export type EventListener = (event: EventName, payload: unknown) => void;

/** Typed fan-out of backend events to every connected transport. */
export class EventBus {
  private listeners = new Set<EventListener>();

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

const isMethod = (name: string): name is Method => Object.hasOwn(requests, name);

/**
 * Transport-independent dispatch: validate the input against the contract, run the
 * handler, validate what it returns, and turn any failure into an error shape. Both
 * transports (IPC and HTTP) call this and nothing else.
 */
export async function dispatch(handlers: Handlers, method: string, rawInput: unknown): Promise<CallResult> {
  if (!isMethod(method)) {
    return { ok: false, error: { code: 'unknown_method', message: `Unknown API method "${method}".` } };
  }
  const spec = requests[method];
  const parsed = spec.input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      error: { code: 'invalid_input', message: `Invalid input for ${method}: ${describeZodError(parsed.error)}` },
    };
  }
  try {
    const handler = handlers[method] as (input: unknown) => Promise<unknown>;
    const value = await handler(parsed.data);
    const checked = spec.output.safeParse(value);
    if (!checked.success) {
      // A backend bug, not the caller's fault: say so rather than pass bad data on.
      return {
        ok: false,
        error: { code: 'failed', message: `Internal error: ${method} returned an invalid response (${describeZodError(checked.error)}).` },
      };
    }
    return { ok: true, value: checked.data };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, error: error.toShape() };
    return { ok: false, error: { code: 'failed', message: (error as Error)?.message ?? String(error) } };
  }
}

/** Validate an event payload before it leaves the process. */
export function checkEvent(event: EventName, payload: unknown): unknown {
  return events[event].parse(payload);
}

export type { Input };
