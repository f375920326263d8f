// The call wrappers without a network: a deadline that passed before or during the work is answered with
// DEADLINE_EXCEEDED (without authenticating in the first case), errors map to statuses, and INTERNAL hides the
// error's text from the client.
import { Metadata, status, type ServerUnaryCall, type ServiceError } from '@grpc/grpc-js';
import type { GatewayApi } from '../../src/api';
import { LiveStreams, unary, type GrpcHandlerContext } from '../../src/grpc/call';
import { ApiError, invalidArgument } from '../../src/errors';
import { InvalidArgumentError } from '@kiln/timeseries';
import { quietLogger } from './support';

function contextWith(authenticate: jest.Mock): GrpcHandlerContext {
  const api = { authenticator: { authenticate } } as unknown as GatewayApi;
  return { api, logger: quietLogger(), streams: new LiveStreams() };
}

function fakeCall(deadline: Date | number): ServerUnaryCall<object, string> {
  const metadata = new Metadata();
  metadata.set('authorization', 'Bearer kiln_test');
  return {
    request: {},
    metadata,
    getDeadline: () => deadline,
    getPeer: () => 'ipv4:127.0.0.1:50000',
  } as unknown as ServerUnaryCall<object, string>;
}

function answer(
  handler: ReturnType<typeof unary<object, string>>,
  call: ServerUnaryCall<object, string>,
): Promise<{ error: Partial<ServiceError> | null; value: string | null | undefined }> {
  return new Promise((resolve) => handler(call, (error, value) => resolve({ error, value })));
}

const principal = { subject: 'key:1', site: '*', role: 'admin', via: 'api-key' };

describe('gRPC unary calls', () => {
  it('answers DEADLINE_EXCEEDED without authenticating when the deadline passed before the call', async () => {
    const authenticate = jest.fn();
    const work = jest.fn();
    const { error } = await answer(unary(contextWith(authenticate), 'Test', work), fakeCall(Date.now() - 1));
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    expect(authenticate).not.toHaveBeenCalled();
    expect(work).not.toHaveBeenCalled();
  });

  it('answers DEADLINE_EXCEEDED when the deadline passed during the work', async () => {
    const authenticate = jest.fn().mockResolvedValue(principal);
    const work = () => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 30));
    const { error, value } = await answer(
      unary(contextWith(authenticate), 'Test', work),
      fakeCall(new Date(Date.now() + 10)),
    );
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    expect(value).toBeUndefined();
  });

  it('answers the work without a deadline (Infinity)', async () => {
    const authenticate = jest.fn().mockResolvedValue(principal);
    const { error, value } = await answer(
      unary(contextWith(authenticate), 'Test', async () => 'done'),
      fakeCall(Infinity),
    );
    expect(error).toBeNull();
    expect(value).toBe('done');
    expect(authenticate).toHaveBeenCalledWith('Bearer kiln_test', '127.0.0.1');
  });

  it.each([
    [invalidArgument('cursor', 'is not a cursor'), status.INVALID_ARGUMENT, 'page_token: is not a cursor'],
    [new ApiError('out-of-range', 'too long', 'to'), status.OUT_OF_RANGE, 'end_time: too long'],
    [new ApiError('unauthenticated', 'no key'), status.UNAUTHENTICATED, 'no key'],
    [new ApiError('permission-denied', 'not yours'), status.PERMISSION_DENIED, 'not yours'],
    [new ApiError('not-found', 'no asset a/b'), status.NOT_FOUND, 'no asset a/b'],
    [new ApiError('failed-precondition', 'not now'), status.FAILED_PRECONDITION, 'not now'],
    [new ApiError('unavailable', 'down'), status.UNAVAILABLE, 'down'],
    [
      new InvalidArgumentError('bucket "x" is not a fixed width'),
      status.INVALID_ARGUMENT,
      'bucket "x" is not a fixed width',
    ],
    [
      new Error('password=secret in a SQL error'),
      status.INTERNAL,
      'internal error; the server log has the details',
    ],
  ])('maps %p to its status', async (thrown, code, details) => {
    const authenticate = jest.fn().mockResolvedValue(principal);
    const { error } = await answer(
      unary(contextWith(authenticate), 'Test', () => Promise.reject(thrown)),
      fakeCall(Infinity),
    );
    expect(error).toMatchObject({ code, details });
  });
});
