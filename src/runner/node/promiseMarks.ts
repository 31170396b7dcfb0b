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

/** A mark read and written as `get` and `set`, reading `empty` where it was never set. */
interface Mark<T> {
  get(p: Promise<unknown>): T;
  /** Sets it on a followed promise (one with an owner); `empty` on a promise without it attaches nothing. */
  set(p: Promise<unknown>, value: T): void;
}

/** A mark of its own class (its own private field), attached to a promise only once set. */
function markOf<T>(empty: T): Mark<T> {
  class ValueMark extends Attach {
    #value: T;

    private constructor(promise: Promise<unknown>, value: T) {
      super(promise);
      this.#value = value;
    }

    static get(p: Promise<unknown>): T {
      return #value in p ? p.#value : empty;
    }

    static set(p: Promise<unknown>, value: T): void {
      if (#value in p) p.#value = value;
      else if (value !== empty && OwnerMark.get(p) !== undefined) new ValueMark(p, value);
    }
  }
  return { get: ValueMark.get, set: ValueMark.set };
}

/** The task whose result the promise is (async functions, helpers, combinators). */
const TaskMark = markOf<TaskState | undefined>(undefined);
/** Who awaits the promise when it is not a task, told what settled it. */
const WaiterMark = markOf<TaskState | undefined>(undefined);
/** The I/O helper the promise is inside of: whatever settles it is what the helper's waiter waited for. */
const HelperMark = markOf<TaskState | undefined>(undefined);
/**
 * The task a promise chained on that task's own follows (`load().then(f)`, `.catch`, `.finally`,
 * and chains of them): awaiting it waits for that task first.
 */
const SourceMark = markOf<TaskState | undefined>(undefined);
/** Where a .then callback was attached: its run resumes its task from there, not from an await. */
const ThenSiteMark = markOf(0);
/** What awaiting the promise waits for, in words, where that is no task (a step of `for await` over events.on). */
const LabelMark = markOf('');
/** What chained the promise in a helper's step inside Node (its site code): its job is the helper's next step, cached by it. */
const JobSiteMark = markOf(0);
/** The task whose callback settles a promise made before the latest such one was awaited (a sleep's timer: see Awaits.timerMade). */
const SettlerMark = markOf<TaskState | undefined>(undefined);
/** A step of `for await` over Node's own iterator (a stream's, a Dir's): a wait for it that no task's callback ends is for the iterator's next item. */
const IteratorStepMark = markOf(false);

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
  jobSite: JobSiteMark.get,
  setJobSite: JobSiteMark.set,
  settler: SettlerMark.get,
  setSettler: SettlerMark.set,
  iteratorStep: IteratorStepMark.get,
  setIteratorStep: IteratorStepMark.set,
  /** Whether the promise's settling matters: it is a task's result, awaited, or inside a helper. */
  watched(p: Promise<unknown>): boolean {
    return TaskMark.get(p) !== undefined || WaiterMark.get(p) !== undefined || HelperMark.get(p) !== undefined;
  },
};

/** The I/O helper or combinator whose code made the promise, if one did. */
function transientOwner(promise: Promise<unknown>): TaskState | undefined {
  const owner = OwnerMark.get(promise);
  return owner?.transient ? owner : undefined;
}

/**
 * The task awaiting `promise` waits for: the task it is the result of, the helper it is inside of
 * (a helper may hand out one of its inner promises, as fetch does the first time), or the task it
 * was chained on (`load().then(f)`).
 */
export function taskBehind(promise: Promise<unknown>): TaskState | undefined {
  return TaskMark.get(promise) ?? HelperMark.get(promise) ?? transientOwner(promise) ?? SourceMark.get(promise);
}
