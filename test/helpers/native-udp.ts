/**
 * The batched-UDP addon for tests that build a DnsServer themselves (test/helpers/dns-server.ts),
 * so they test the path the real server takes. Missing addon: an error saying how to build it, not
 * a silent fall-back (CI builds it with `npm run build:native`); MXLB_NATIVE_UDP=0 tests dgram.
 */
import { findNativeUdp, loadNativeUdp, type NativeUdp } from '../../src/dns/index.ts';

export function testNativeUdp(): NativeUdp | undefined {
  const found = findNativeUdp();
  if (found.path) return loadNativeUdp(found.path);
  if (process.env.MXLB_NATIVE_UDP === '0') return undefined;
  throw new Error(`the batched UDP addon is missing: ${found.reason}. Run \`npm run build:native\`, or set MXLB_NATIVE_UDP=0 to test the dgram path only`);
}
