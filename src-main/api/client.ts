import {
  ApiError,
  CallResult,
  describeZodError,
  EventEnvelope,
  type EventName,
  type EventPayload,
  events,
  type Input,
  type Method,
  type Output,
  requests,
} from './contract';

/**
 * The renderer's (and tests') side of the contract. A transport only moves
 * untyped messages; this wrapper gives them types and checks every response and
 * event against the contract before the UI sees it.
 */
export interface RawTransport {
  call(method: string, input: unknown): Promise<unknown>;
  /** Deliver every backend event; returns an unsubscribe function. */
  subscribe(listener: (envelope: unknown) => void): () => void;
}

export interface ApiClient {
  call<M extends Method>(method: M, input: Input<M>): Promise<Output<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export function createApiClient(transport: RawTransport): ApiClient {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  transport.subscribe((raw) => {
    const envelope = EventEnvelope.safeParse(raw);
    if (!envelope.success || !Object.hasOwn(events, envelope.data.event)) return;
    const name = envelope.data.event as EventName;
    const payload = events[name].safeParse(envelope.data.payload);
    if (!payload.success) {
      console.error(`Dropped malformed ${name} event: ${describeZodError(payload.error)}`);
      return;
    }
    for (const listener of listeners.get(name) ?? []) listener(payload.data);
  });

  return {
    async call(method, input) {
      const raw = await transport.call(method, input);
      const result = CallResult.safeParse(raw);
      if (!result.success) throw new ApiError('failed', `Malformed response to ${method}: ${describeZodError(result.error)}`);
      if (!result.data.ok) throw ApiError.from(result.data.error);
      const value = requests[method].output.safeParse(result.data.value);
      if (!value.success) throw new ApiError('failed', `Response to ${method} does not match the contract: ${describeZodError(value.error)}`);
      return value.data as Output<typeof method>;
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: unknown) => void);
      return () => set.delete(listener as (payload: unknown) => void);
    },
  };
}
