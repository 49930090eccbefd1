import { RegionwatchError } from '@regionwatch/core';

/** A webhook host that resolves to an address it may not reach: not public unicast (loopback, private, link-local, ...). */
export class PrivateAddressError extends RegionwatchError {
  readonly code = 'WEBHOOK_PRIVATE_ADDRESS';

  constructor(host: string, address: string, range: string) {
    super(`webhook host ${host} resolves to ${address} (${range}); set WEBHOOK_ALLOW_PRIVATE=true to allow it`);
  }
}
