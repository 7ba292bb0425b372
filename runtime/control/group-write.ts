// Group writes: one setpoint to a selection of devices, as a job. Devices are written a few at a time
// (each on its own link), a failure never stops the others, progress is observable, and the job can be
// cancelled (devices not yet started are reported as refused/cancelled). Finished jobs are kept for an
// hour so API clients can poll them.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Device } from '../devices/device.ts';
import type { SetpointWriter } from './setpoint-writer.ts';
import type { DeviceWriteResult, WriteActor } from './write-result.ts';

export type JobState = 'running' | 'done' | 'cancelled';

export interface SetpointJob {
  id: string;
  point: string;
  value: number;
  actor: WriteActor;
  state: JobState;
  total: number;
  completed: number;
  results: DeviceWriteResult[];
  createdAt: number;
  finishedAt: number | null;
}

export interface GroupWriteOptions {
  concurrency?: number;
  /** How long finished jobs stay queryable. */
  keepMs?: number;
  now?: () => number;
}

export class GroupWrites extends EventEmitter<{ progress: [SetpointJob, DeviceWriteResult]; finished: [SetpointJob] }> {
  private readonly writer: SetpointWriter;
  private readonly jobs = new Map<string, SetpointJob & { cancelRequested: boolean; done: Promise<SetpointJob> }>();
  private readonly concurrency: number;
  private readonly keepMs: number;
  private readonly now: () => number;

  constructor(writer: SetpointWriter, options: GroupWriteOptions = {}) {
    super();
    this.writer = writer;
    this.concurrency = options.concurrency ?? 8;
    this.keepMs = options.keepMs ?? 60 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  start(devices: Device[], point: string, value: number, actor: WriteActor, reason: string | null = null): SetpointJob {
    this.prune();
    const job = {
      id: randomUUID(),
      point,
      value,
      actor,
      state: 'running' as JobState,
      total: devices.length,
      completed: 0,
      results: [] as DeviceWriteResult[],
      createdAt: this.now(),
      finishedAt: null as number | null,
      cancelRequested: false,
      done: null as unknown as Promise<SetpointJob>,
    };
    this.jobs.set(job.id, job);
    const queue = [...devices];
    const worker = async () => {
      for (let device = queue.shift(); device; device = queue.shift()) {
        const result = job.cancelRequested
          ? { device: device.id, point, outcome: 'refused' as const, code: 'cancelled', message: 'the job was cancelled before this device', oldValue: null, requestedValue: value, readBack: null, ts: this.now() }
          : await this.writer.write(device, point, value, actor, reason).catch(
              (err: Error): DeviceWriteResult => ({ device: device.id, point, outcome: 'failed', code: 'internal_error', message: err.message, oldValue: null, requestedValue: value, readBack: null, ts: this.now() }),
            );
        job.results.push(result);
        job.completed++;
        this.emit('progress', this.view(job), result);
      }
    };
    job.done = Promise.all(Array.from({ length: Math.min(this.concurrency, Math.max(1, devices.length)) }, worker)).then(() => {
      job.state = job.cancelRequested ? 'cancelled' : 'done';
      job.finishedAt = this.now();
      const view = this.view(job);
      this.emit('finished', view);
      return view;
    });
    return this.view(job);
  }

  get(id: string): SetpointJob | null {
    const job = this.jobs.get(id);
    return job ? this.view(job) : null;
  }

  list(): SetpointJob[] {
    return [...this.jobs.values()].map((j) => this.view(j));
  }

  /** Resolves when the job has finished (or was cancelled and drained). */
  wait(id: string): Promise<SetpointJob> {
    const job = this.jobs.get(id);
    if (!job) return Promise.reject(new Error(`no setpoint job ${id}`));
    return job.done;
  }

  cancel(id: string): SetpointJob | null {
    const job = this.jobs.get(id);
    if (!job) return null;
    if (job.state === 'running') job.cancelRequested = true;
    return this.view(job);
  }

  async close(): Promise<void> {
    for (const job of this.jobs.values()) job.cancelRequested = true;
    await Promise.allSettled([...this.jobs.values()].map((j) => j.done));
  }

  private view(job: SetpointJob & { cancelRequested: boolean }): SetpointJob {
    const { id, point, value, actor, state, total, completed, results, createdAt, finishedAt } = job;
    return { id, point, value, actor, state, total, completed, results: [...results], createdAt, finishedAt };
  }

  private prune(): void {
    const cutoff = this.now() - this.keepMs;
    for (const [id, job] of this.jobs) if (job.finishedAt !== null && job.finishedAt < cutoff) this.jobs.delete(id);
  }
}
