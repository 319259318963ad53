import { ApiError, type Input, type Method, type Output } from '../api/contract';
import { dispatch } from '../api/server';
import type { Backend } from '../services';

/**
 * The CLI goes through the same dispatch as both transports, so its input is
 * validated by the contract and its errors read the same as in the app.
 */
export async function callHandler<M extends Method>(backend: Backend, method: M, input: Input<M>): Promise<Output<M>> {
  const result = await dispatch(backend.handlers, method, input);
  if (!result.ok) throw ApiError.from(result.error);
  return result.value as Output<M>;
}
