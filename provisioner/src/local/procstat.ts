import { readFile } from 'node:fs/promises';

// Linux /proc facts about a pid, so a recorded pid that the OS has since given to another program
// is never mistaken for ours (and never signalled).

/** The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined if it is gone. */
export async function processStartTicks(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces; fields after it are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return undefined; // exited, not yet reaped: as good as gone
    return fields[19];
  } catch {
    return undefined;
  }
}

/** True while `pid` is the very process that was started at `startTicks`. */
export async function isSameProcess(pid: number, startTicks: string): Promise<boolean> {
  return (await processStartTicks(pid)) === startTicks;
}
