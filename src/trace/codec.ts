// The runner → host wire format: a 4-byte magic, then frames of [u32le length][records].
// Records are an opcode byte and varint fields; times are nanosecond deltas; repeated
// strings are sent once (a STRING record) and referenced by id afterwards. A frame that starts with
// a THREAD record holds a worker thread's records: each thread has its own strings and clock deltas
// (its encoder is its own), so frames of several threads may interleave.

export const STREAM_MAGIC = Uint8Array.from([0x54, 0x4c, 0x46, 0x31]); // "TLF1"
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export const enum Op {
  String = 0,
  Start = 1,
  Task = 2,
  Rename = 3,
  Run = 4,
  Await = 5,
  AwaitBy = 6,
  Join = 7,
  End = 8,
  Dropped = 9,
  Exit = 10,
  /** A run and the await that ends it, in one record (the Python runner's commonest step). */
  Step = 11,
  /** A run and the task's end with it, resolved (the Python runner's commonest last step). */
  StepEnd = 12,
  /** An end timed before the latest record: [how long before][the End record's fields]. */
  EndBefore = 13,
  Signal = 14,
  Recast = 15,
  WaitOn = 16,
  /** An await timed before the latest record: [how long before][the Await record's fields]. */
  AwaitBefore = 17,
  /** [thread id]: the frame's records are that thread's (first in its frame only). */
  Thread = 18,
  /**
   * [loop]: the records that follow in the frame are on that thread's event loop (the Python runner's
   * loops in several threads, which share its strings and clock). A frame starts on its thread's.
   */
  Loop = 19,
  /** A task made before the latest record: [how long before][the Task record's fields] (a Python span, known once it suspends; an eager task, after its first step). */
  TaskBefore = 20,
}
