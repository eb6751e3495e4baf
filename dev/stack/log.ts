// Start-up progress lines, prefixed so they stand apart from service output.
export function stackLog(line: string): void {
  process.stdout.write(`[stack] ${line}\n`)
}
