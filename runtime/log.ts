// Heatgrid's own log lines (Node-RED logs through its own logger). One line per event, to stdout/stderr.
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
}

export function createLogger(component: string, level: string = process.env.HEATGRID_LOG_LEVEL ?? 'info'): Logger {
  const threshold = ORDER[(level in ORDER ? level : level === 'trace' ? 'debug' : 'error') as LogLevel];
  const write = (lvl: LogLevel, msg: string) => {
    if (ORDER[lvl] > threshold) return;
    const line = `${new Date().toISOString()} [${lvl}] [heatgrid:${component}] ${msg}\n`;
    (lvl === 'error' || lvl === 'warn' ? process.stderr : process.stdout).write(line);
  };
  return {
    error: (m) => write('error', m),
    warn: (m) => write('warn', m),
    info: (m) => write('info', m),
    debug: (m) => write('debug', m),
  };
}
