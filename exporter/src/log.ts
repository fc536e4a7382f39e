// One line per event on stderr: time, level, message, then key=value fields. The exporter never logs
// key material or whole certificates; fields are short values (channel, block number, a reason).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, string | number | boolean | undefined>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function stderrLogger(minimum: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return {
    log(level, message, fields = {}) {
      if (ORDER[level] < ORDER[minimum]) return;
      const rest = Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v)}`)
        .join(' ');
      write(`${new Date().toISOString()} ${level.toUpperCase()} ${message}${rest ? ' ' + rest : ''}\n`);
    },
  };
}

export const silentLogger: Logger = { log: () => undefined };
