/**
 * Fault injection for the crash tests: with ATIVO_FAULT=<point> the process kills itself
 * (SIGKILL, as a power cut would) at that point. Never set outside tests.
 */
export function faultPoint(point: string): void {
  if (process.env.ATIVO_FAULT === point) process.kill(process.pid, 'SIGKILL');
}
