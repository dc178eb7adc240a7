import type { Io } from '../../deploy/io';

/** An Io that keeps everything it is told, for assertions. */
export class MemoryIo implements Io {
  readonly mode = 'text' as const;
  readonly verbose = true;
  readonly lines: Array<{ level: 'info' | 'warn' | 'debug'; message: string }> = [];
  readonly results: Array<{ text: string; data: unknown }> = [];
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  result(text: string, data: unknown): void {
    this.results.push({ text, data });
  }
  text(level?: 'info' | 'warn' | 'debug'): string {
    return this.lines
      .filter((l) => !level || l.level === level)
      .map((l) => l.message)
      .join('\n');
  }
}
