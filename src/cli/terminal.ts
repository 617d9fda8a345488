// Text from files (tensor names, run names, paths, error messages quoting them) printed to a
// terminal: control characters are escaped so a crafted name cannot move the cursor, erase
// lines, set the window title (ESC, BEL, C1 CSI) or forge extra output lines (newlines).

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `text` with every control character shown as an escape (`\n`, `\t`, `\x1b`, `\u2028`). */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** True when `text` holds no character terminalSafe would escape. */
export function isTerminalSafe(text: string): boolean {
  CONTROL.lastIndex = 0;
  return !CONTROL.test(text);
}

/** Prints one line to stdout with every control character escaped (names inside it cannot forge lines). */
export function say(line: string): void {
  process.stdout.write(`${terminalSafe(line)}\n`);
}
