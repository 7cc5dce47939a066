/** Whether this Node's dgram and net take `reusePort` (SO_REUSEPORT; added in v23.1.0 and v22.12.0). */
export function supportsReusePort(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}
