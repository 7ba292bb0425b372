// The one error body of every Heatgrid HTTP answer: { error: { code, message, details? } }, never a stack.
import type { Response } from 'express';

export function sendError(res: Response, status: number, code: string, message: string, details?: unknown[]): void {
  if (res.headersSent) return;
  res.status(status).json({ error: { code, message, ...(details ? { details } : {}) } });
}
