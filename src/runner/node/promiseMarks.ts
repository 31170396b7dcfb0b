// What the tracer keeps on each promise it follows, in private class fields attached to the
// program's own promises (a base constructor that returns its argument lets a subclass add fields
// to any object). As cheap to read as a property, unlike a map on the hottest path (every await);
// invisible to the program (console.log, Reflect.ownKeys) and to util.inspect; gone with the promise.
// Every followed promise gets an owner; the other marks are attached only to the promises that
// need them, one class each, so that most promises carry one or two fields: V8 gives an object
// room for three added fields at once, and a fourth costs a second allocation per promise.
import type { TaskState } from './taskState';

/** Returns the object it is given, so that a subclass's fields land on that object. */
class Attach {
  constructor(target: object) {
    return target;
  }
}

/** The task whose code runs when the promise's reaction runs. */
class OwnerMark extends Attach {
  #owner: TaskState;

  private constructor(promise: Promise<unknown>, owner: TaskState) {
    super(promise);
    this.#owner = owner;
  }

  static follow(promise: Promise<unknown>, owner: TaskState): void {
    new OwnerMark(promise, owner);
  }

  static get(p: Promise<unknown>): TaskState | undefined {
    return #owner in p ? p.#owner : undefined;
  }

  static set(p: Promise<unknown>, owner: TaskState): void {
    if (#owner in p) p.#owner = owner;
  }
}

/** The task whose result the promise is (async functions, helpers, combinators). */
class TaskMark extends Attach {
  #task: TaskState;

  private constructor(promise: Promise<unknown>, task: TaskState) {
    super(promise);
    this.#task = task;
  }

  static get(p: Promise<unknown>): TaskState | undefined {
    return #task in p ? p.#task : undefined;
  }

  static set(p: Promise<unknown>, task: TaskState): void {
    if (#task in p) p.#task = task;
    else if (OwnerMark.get(p) !== undefined) new TaskMark(p, task);
  }
}

/** Who awaits the promise when it is not a task, told what settled it. */
class WaiterMark extends Attach {
  #waiter: TaskState | undefined;

  private constructor(promise: Promise<unknown>, waiter: TaskState) {
    super(promise);
    this.#waiter = waiter;
  }

  static get(p: Promise<unknown>): TaskState | undefined {
    return #waiter in p ? p.#waiter : undefined;
  }

  static set(p: Promise<unknown>, waiter: TaskState | undefined): void {
    if (#waiter in p) p.#waiter = waiter;
    else if (waiter !== undefined && OwnerMark.get(p) !== undefined) new WaiterMark(p, waiter);
  }
}

/** The I/O helper the promise is inside of: whatever settles it is what the helper's waiter waited for. */
class HelperMark extends Attach {
  #helper: TaskState | undefined;

  private constructor(promise: Promise<unknown>, helper: TaskState) {
    super(promise);
    this.#helper = helper;
  }

  static get(p: Promise<unknown>): TaskState | undefined {
    return #helper in p ? p.#helper : undefined;
  }

  static set(p: Promise<unknown>, helper: TaskState | undefined): void {
    if (#helper in p) p.#helper = helper;
    else if (helper !== undefined && OwnerMark.get(p) !== undefined) new HelperMark(p, helper);
  }
}

/**
 * The task a promise chained on that task's own follows (`load().then(f)`, `.catch`, `.finally`,
 * and chains of them): awaiting it waits for that task first.
 */
class SourceMark extends Attach {
  #source: TaskState;

  private constructor(promise: Promise<unknown>, source: TaskState) {
    super(promise);
    this.#source = source;
  }

  static get(p: Promise<unknown>): TaskState | undefined {
    return #source in p ? p.#source : undefined;
  }

  static set(p: Promise<unknown>, source: TaskState): void {
    if (#source in p) p.#source = source;
    else if (OwnerMark.get(p) !== undefined) new SourceMark(p, source);
  }
}

/** Where a .then callback was attached: its run resumes its task from there, not from an await. */
class ThenSiteMark extends Attach {
  #thenSite: number;

  private constructor(promise: Promise<unknown>, site: number) {
    super(promise);
    this.#thenSite = site;
  }

  static get(p: Promise<unknown>): number {
    return #thenSite in p ? p.#thenSite : 0;
  }

  static set(p: Promise<unknown>, site: number): void {
    if (#thenSite in p) p.#thenSite = site;
    else if (OwnerMark.get(p) !== undefined) new ThenSiteMark(p, site);
  }
}

/** What awaiting the promise waits for, in words, where that is no task (a step of `for await` over events.on). */
class LabelMark extends Attach {
  #label: string;

  private constructor(promise: Promise<unknown>, label: string) {
    super(promise);
    this.#label = label;
  }

  static get(p: Promise<unknown>): string {
    return #label in p ? p.#label : '';
  }

  static set(p: Promise<unknown>, label: string): void {
    if (#label in p) p.#label = label;
    else if (OwnerMark.get(p) !== undefined) new LabelMark(p, label);
  }
}

export const marks = {
  /** Starts following a promise the program just made. */
  follow: OwnerMark.follow,
  owner: OwnerMark.get,
  setOwner: OwnerMark.set,
  task: TaskMark.get,
  setTask: TaskMark.set,
  waiter: WaiterMark.get,
  setWaiter: WaiterMark.set,
  helper: HelperMark.get,
  setHelper: HelperMark.set,
  source: SourceMark.get,
  setSource: SourceMark.set,
  thenSite: ThenSiteMark.get,
  setThenSite: ThenSiteMark.set,
  label: LabelMark.get,
  setLabel: LabelMark.set,
  /** Whether the promise's settling matters: it is a task's result, awaited, or inside a helper. */
  watched(p: Promise<unknown>): boolean {
    return TaskMark.get(p) !== undefined || WaiterMark.get(p) !== undefined || HelperMark.get(p) !== undefined;
  },
};
