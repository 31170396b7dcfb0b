// The "then sites" that are no place in the program's code: what a promise's job does when it
// runs none of the program's .then callbacks (see promiseMarks' ThenSiteMark, Tracer.enter).

/**
 * The "then site" of the promise V8 wraps an awaited thenable in: its job calls the thenable's
 * then(). So of a `new Promise`, which has no callback: its job, if any, chains it on the promise
 * it was resolved with (`resolve(work())`).
 */
export const THENABLE_JOB = -1;
/** The same for a task's own promise, whose only job adopts the promise the task returned (`return load()`). */
export const RETURNED_JOB = -2;
/**
 * The same for an await in Node's own async iterator (a stream's, `fs.Dir`'s entries,
 * `timers/promises`' setInterval) whose step ran in the task's `next()` call: its job steps the
 * iterator on, Node's work inside the task's wait for that step. So of V8's own iterator a
 * builtin steps (Array.fromAsync's over an array).
 */
export const NODE_ITERATOR_JOB = -3;
/**
 * The same for the promise a Promise subclass's combinator makes for an element (`Sub.resolve(p)`,
 * a subclass's promise resolved with `p`): its job calls p's then(), which chains on p, the member.
 */
export const MEMBER_JOB = -4;
/**
 * Not a job's: what Tracer.enter is told for the callback of a tick or microtask the program
 * queued itself (`process.nextTick(fn)`), which runs the program's own function.
 */
export const PROGRAM_CALLBACK = -5;
