/**
 * CPU seconds used so far by the local PostgreSQL server: every process named `postgres`, its own time and that of
 * its waited-for children (utime + stime + cutime + cstime), so that a backend that ends between two readings still
 * counts (its time moves into the postmaster's cutime). Every database and client of that server counts, other
 * benches' and tests' too. Null when no such process is readable (PostgreSQL elsewhere, or in a container).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { clockTicks } from '../checks/proc-stats.js';

export function postgresCpuSeconds(): number | null {
  let ticks = 0;
  let found = false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields 14 to 17 of the line (utime, stime, cutime, cstime): indexes 11 to 14 after the command name.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      found = true;
    } catch {
      // The process ended while being read.
    }
  }
  return found ? ticks / clockTicks() : null;
}
