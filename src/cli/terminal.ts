import * as fs from 'node:fs';

/**
 * Whether this process is in the foreground process group of its terminal, where a SIGINT is a
 * Ctrl-C, which the terminal sends the whole group. Read from /proc (Linux); elsewhere not known.
 */
export function inTerminalForeground(): boolean {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // pid (comm) state ppid pgrp session tty_nr tpgid …: comm may hold spaces and parentheses.
    const [, , pgrp, , ttyNr, tpgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(ttyNr) !== 0 && tpgid === pgrp;
  } catch {
    return false;
  }
}
