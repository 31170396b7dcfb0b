// The model's tasks by id. Runners number tasks from 1 up, and nearly every event of a stream looks
// its task up: an array by id serves those, a map only the few a stream numbers sparsely. A Map of
// them all would cost a hash insert and lookup per event and about 36 bytes per task more.
import type { Task } from './task';

/** Task ids below this are kept in the array (8 bytes each); larger ones in the map. */
export const MAX_DENSE_ID = 1 << 22;
/** An id this far past the array's end is sparse: no array of holes is made for it. */
const MAX_ID_GAP = 1024;

/** A read-only Map of tasks by id (iterated by id, then sparse ids in the order they came), and `add`. */
export class TaskTable implements ReadonlyMap<number, Task> {
  private readonly dense: (Task | undefined)[] = [];
  private readonly sparse = new Map<number, Task>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): Task | undefined {
    return id >>> 0 === id && id < this.dense.length ? this.dense[id] : this.sparse.get(id);
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds the task, or puts it in place of the one with its id. */
  add(task: Task): void {
    const { id } = task;
    const dense = this.dense;
    if (id >>> 0 !== id || id >= MAX_DENSE_ID || id > dense.length + MAX_ID_GAP) {
      if (!this.sparse.has(id)) this.count++;
      this.sparse.set(id, task);
      return;
    }
    // A gap is filled from the map, where a sparse id before it went (this one's too, if it did).
    while (dense.length <= id) dense.push(this.moveFromSparse(dense.length));
    if (dense[id] === undefined) this.count++;
    dense[id] = task;
  }

  *values(): IterableIterator<Task> {
    for (const task of this.dense) if (task !== undefined) yield task;
    yield* this.sparse.values();
  }

  *keys(): IterableIterator<number> {
    for (const task of this.values()) yield task.id;
  }

  *entries(): IterableIterator<[number, Task]> {
    for (const task of this.values()) yield [task.id, task];
  }

  [Symbol.iterator](): IterableIterator<[number, Task]> {
    return this.entries();
  }

  forEach(callback: (task: Task, id: number, table: ReadonlyMap<number, Task>) => void): void {
    for (const task of this.values()) callback(task, task.id, this);
  }

  private moveFromSparse(id: number): Task | undefined {
    const task = this.sparse.get(id);
    if (task !== undefined) this.sparse.delete(id);
    return task;
  }
}
