import type { Clock } from '../../deploy/clock';

/** A clock whose sleeps return at once and move virtual time forward. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(
    public t = 1_700_000_000_000,
    private readonly r = 0.5,
  ) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
  random(): number {
    return this.r;
  }
  get slept(): number {
    return this.sleeps.reduce((a, b) => a + b, 0);
  }
}
