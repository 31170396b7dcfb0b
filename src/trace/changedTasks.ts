// Which tasks changed since a live view last asked, each listed once, for views that send deltas.
import { MAX_DENSE_ID } from './taskTable';

export class ChangedTasks {
  private ids: number[] = [];
  /**
   * By task id, the round of `take()` a task was last listed in: runners number tasks from 1 up,
   * and a flood touches a different task at almost every event (a set costs a hash lookup each).
   */
  private listedIn = new Int32Array(1024);
  private round = 1;
  /** Ids too large for `listedIn` (a stream that numbers its tasks sparsely). */
  private sparse = new Set<number>();
  /** The task last marked: most events are its again, and need no lookup. */
  private last = -1;

  mark(id: number): void {
    if (id === this.last) return;
    this.last = id;
    if (id >= this.listedIn.length && !this.growListed(id)) {
      this.sparse.add(id);
      return;
    }
    if (this.listedIn[id] === this.round) return;
    this.listedIn[id] = this.round;
    this.ids.push(id);
  }

  /** The ids marked since the last call. */
  take(): number[] {
    const ids = this.ids;
    if (this.sparse.size > 0) {
      ids.push(...this.sparse);
      this.sparse = new Set();
    }
    this.ids = [];
    this.round++;
    this.last = -1;
    return ids;
  }

  /** Makes room in `listedIn` for `id`, unless it is too large to list densely. */
  private growListed(id: number): boolean {
    if (id >= MAX_DENSE_ID) return false;
    let length = this.listedIn.length;
    while (length <= id) length *= 2;
    const grown = new Int32Array(length);
    grown.set(this.listedIn);
    this.listedIn = grown;
    return true;
  }
}
