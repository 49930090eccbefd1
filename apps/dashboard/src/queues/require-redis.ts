import type { RequestHandler } from 'express';
import { RedisUnavailableError, type RedisClient } from '@regionwatch/core';

/**
 * Guards routes that read the queues. BullMQ waits without limit for a connection that has never
 * been ready, so without this a dashboard started while Redis is down would hang every request.
 * Waits up to `waitMs` (covers start-up and a quick reconnect), then fails with a 503.
 */
export function requireRedis(connection: RedisClient, waitMs = 2_000): RequestHandler {
  // One pending wait shared by every request, so an outage adds one listener, not one per request.
  let pending: Promise<boolean> | undefined;
  const ready = (): Promise<boolean> => {
    if (connection.status === 'ready') return Promise.resolve(true);
    return (pending ??= waitForReady(connection, waitMs).finally(() => (pending = undefined)));
  };
  return (_request, _response, next) => {
    ready().then(
      (isReady) => next(isReady ? undefined : new RedisUnavailableError(waitMs)),
      (error: unknown) => next(error),
    );
  };
}

function waitForReady(connection: RedisClient, waitMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      connection.off('ready', onReady);
      resolve(connection.status === 'ready');
    }, waitMs);
    connection.once('ready', onReady);
  });
}
