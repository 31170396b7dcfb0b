// Remembers what a stack said for a place in a task's life, so that most resources made there need
// no stack of their own (see SiteCache).
import type { CallSiteInfo } from './callSiteInfo';

function sameInfo(a: CallSiteInfo, b: CallSiteInfo): boolean {
  return a.code === b.code && a.depth === b.depth && a.madeAt === b.madeAt;
}

/** Answers' codes start here: those below are the runner's own (the script's, Node's internals', TaskSites' runs). */
export const FIRST_CODE = 4;
const VERIFY_FIRST = 3;
const REVERIFY_EVERY = 4096;
const MAX_ENTRIES = 200_000;

interface CacheEntry {
  info: CallSiteInfo;
  hits: number;
  /** The same key gave different answers: told apart by the stack's innermost frames from then on (see byProbe). */
  volatile: boolean;
  /** For a volatile key, its answers by probeKey, each checked like a key's own. */
  byProbe: Map<string, ProbedAnswer> | undefined;
}

interface ProbedAnswer {
  info: CallSiteInfo;
  hits: number;
  /** The same innermost frames gave different answers (a helper of the user's called from two lines): capture every time. */
  unsure: boolean;
}

/** Answers a volatile key keeps by their innermost frames (a loop's step and the call after the loop: two). */
const MAX_PROBED_ANSWERS = 8;

/** The cache entries of one stretch of a task's code (its function, resumed from one await). */
export interface SiteRow {
  readonly entries: Map<number, CacheEntry>;
  /** The cache's generation when the row was handed out: an older row has been emptied. */
  readonly generation: number;
}

/**
 * Remembers what a stack said for a key (which task's code, which resumption, which resource in
 * that run). Deterministic code makes the same resource at the same key, so after a few agreeing
 * captures the answer is reused, checked again every REVERIFY_EVERY uses; a key that ever
 * disagrees keeps its answers by the stack's innermost frames from then on (see probedAnswer).
 * Keys come in two parts, a row (kept on the task while it runs) and a small key within it, so a
 * hit is one lookup of a small integer.
 */
export class SiteCache {
  private readonly rows = new Map<number, SiteRow>();
  private readonly codes = new Map<string, number>();
  /** Stacks read so far: an answer read while this stays the same came from the cache. */
  captures = 0;
  private size = 0;
  private generation = 0;

  /**
   * `capture(withParent)`: a fresh answer for a promise made with a parent or not (see
   * createCapturer); `probe`: probeStack at the same place, which checks an async call's answer.
   */
  constructor(
    private readonly capture: (withParent: boolean) => CallSiteInfo,
    private readonly probe: () => string,
  ) {}

  row(rowKey: number): SiteRow {
    let row = this.rows.get(rowKey);
    if (row === undefined) {
      row = { entries: new Map(), generation: this.generation };
      this.rows.set(rowKey, row);
    }
    return row;
  }

  /** Whether a row handed out earlier still belongs to the cache. */
  current(row: SiteRow): boolean {
    return row.generation === this.generation;
  }

  /** `recheck`: whether a cached answer, used `uses` times, must be checked against the stack this time. */
  lookup(row: SiteRow, key: number, withParent: boolean, recheck?: (cached: CallSiteInfo, uses: number) => boolean): CallSiteInfo {
    const entry = row.entries.get(key);
    if (entry === undefined) {
      if (++this.size > MAX_ENTRIES) this.clear();
      const info = this.fresh(withParent);
      if (this.current(row)) row.entries.set(key, { info, hits: 1, volatile: false, byProbe: undefined });
      return info;
    }
    entry.hits++;
    if (entry.volatile) return this.probedAnswer(entry, withParent, recheck);
    const verify = entry.hits <= VERIFY_FIRST || entry.hits % REVERIFY_EVERY === 0;
    if (verify || recheck?.(entry.info, entry.hits)) {
      // An async call asked for again is the same call if the two innermost frames are.
      if (!verify && entry.info.probe !== '' && this.probe() === entry.info.probe) return entry.info;
      const info = this.fresh(withParent);
      if (!sameInfo(info, entry.info)) entry.volatile = true;
      entry.info = info;
      return info;
    }
    return entry.info;
  }

  /**
   * As lookup, for an answer worth a stack only while it holds still: once a key's answers have
   * differed, undefined without one (where Node's code queues a tick in a callback of a handle's
   * depends on what the callback did, and every tick would read the stack).
   */
  steadyLookup(row: SiteRow, key: number, withParent: boolean, recheck?: (cached: CallSiteInfo, uses: number) => boolean): CallSiteInfo | undefined {
    return row.entries.get(key)?.volatile ? undefined : this.lookup(row, key, withParent, recheck);
  }

  /**
   * A volatile key's answer, told apart by the two innermost frames (probeStack, a fraction of a
   * capture): the step of a `for await` loop and the call after the loop, made at the same point of
   * a run, are made in different Node functions. Each is checked as a key's own answer is, but an
   * async call's, which its innermost frames are (CallSiteInfo.probe).
   */
  private probedAnswer(entry: CacheEntry, withParent: boolean, recheck?: (cached: CallSiteInfo, uses: number) => boolean): CallSiteInfo {
    const probe = this.probe();
    const byProbe = (entry.byProbe ??= new Map());
    const known = byProbe.get(probe);
    if (known !== undefined && !known.unsure) {
      known.hits++;
      const verify = known.hits <= VERIFY_FIRST || known.hits % REVERIFY_EVERY === 0 || (known.info.probe === '' && recheck?.(known.info, known.hits) === true);
      if (!verify) return known.info;
    }
    const info = this.fresh(withParent);
    if (known === undefined) {
      if (byProbe.size < MAX_PROBED_ANSWERS) byProbe.set(probe, { info, hits: 1, unsure: false });
    } else {
      if (!sameInfo(info, known.info)) known.unsure = true;
      known.info = info;
    }
    return info;
  }

  /** A capture that neither uses nor feeds the cache. */
  uncached(withParent: boolean): CallSiteInfo {
    return this.fresh(withParent);
  }

  private clear(): void {
    this.rows.clear();
    this.size = 0;
    this.generation++;
  }

  private fresh(withParent: boolean): CallSiteInfo {
    this.captures++;
    return this.coded(this.capture(withParent));
  }

  /** Sets the answer's code: the same for answers alike, whichever way they were read. */
  coded(info: CallSiteInfo): CallSiteInfo {
    const text = `${info.shape}|${info.site}|${info.callerSite}|${info.api}|${info.fn}|${info.calledBy}`;
    let code = this.codes.get(text);
    if (code === undefined) {
      code = this.codes.size + FIRST_CODE;
      this.codes.set(text, code);
    }
    info.code = code;
    return info;
  }
}
