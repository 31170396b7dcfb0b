// What the tracer keeps on each promise it follows, in private class fields attached to the
// program's own promises (a base constructor that returns its argument lets a subclass add fields
// to any object). As cheap to read as a property, unlike a map on the hottest path (every await);
// invisible to the program (console.log, Reflect.ownKeys) and to util.inspect; gone with the promise.
import type { TaskState } from './taskState';

/** Returns the object it is given, so that a subclass's fields land on that object. */
class Attach {
  constructor(target: object) {
    return target;
  }
}

class PromiseMarks extends Attach {
  /** The task whose code runs when the promise's reaction runs. */
  #owner: TaskState;
  /** The task whose result the promise is (async functions, helpers, combinators). */
  #task: TaskState | undefined = undefined;
  /** Who awaits the promise when it is not a task, told what settled it. */
  #waiter: TaskState | undefined = undefined;
  /** The I/O helper the promise is inside of: whatever settles it is what the helper's waiter waited for. */
  #helper: TaskState | undefined = undefined;
  /** Where a .then callback was attached: its run resumes its task from there, not from an await (0: none). */
  #thenSite = 0;

  private constructor(promise: Promise<unknown>, owner: TaskState) {
    super(promise);
    this.#owner = owner;
  }

  /** Starts following a promise the program just made. */
  static follow(promise: Promise<unknown>, owner: TaskState): void {
    new PromiseMarks(promise, owner);
  }

  /** Whether the promise's settling matters: it is a task's result, awaited, or inside a helper. */
  static watched(p: Promise<unknown>): boolean {
    return #task in p && (p.#task !== undefined || p.#waiter !== undefined || p.#helper !== undefined);
  }

  static owner(p: Promise<unknown>): TaskState | undefined {
    return #owner in p ? p.#owner : undefined;
  }

  static setOwner(p: Promise<unknown>, owner: TaskState): void {
    if (#owner in p) p.#owner = owner;
  }

  static task(p: Promise<unknown>): TaskState | undefined {
    return #task in p ? p.#task : undefined;
  }

  static setTask(p: Promise<unknown>, task: TaskState): void {
    if (#task in p) p.#task = task;
  }

  static waiter(p: Promise<unknown>): TaskState | undefined {
    return #waiter in p ? p.#waiter : undefined;
  }

  static setWaiter(p: Promise<unknown>, waiter: TaskState | undefined): void {
    if (#waiter in p) p.#waiter = waiter;
  }

  static helper(p: Promise<unknown>): TaskState | undefined {
    return #helper in p ? p.#helper : undefined;
  }

  static setHelper(p: Promise<unknown>, helper: TaskState | undefined): void {
    if (#helper in p) p.#helper = helper;
  }

  static thenSite(p: Promise<unknown>): number {
    return #thenSite in p ? p.#thenSite : 0;
  }

  static setThenSite(p: Promise<unknown>, site: number): void {
    if (#thenSite in p) p.#thenSite = site;
  }
}

export const marks = PromiseMarks;
