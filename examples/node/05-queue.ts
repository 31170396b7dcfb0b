// A queue with two producers and two consumers, like asyncio.Queue.
class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiting: ((item: T) => void)[] = [];

  put(item: T): void {
    const taker = this.waiting.shift();
    if (taker) taker(item);
    else this.items.push(item);
  }

  get(): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function producer(queue: AsyncQueue<string | null>, name: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await sleep(50 + Math.random() * 100);
    queue.put(`${name}-${i}`);
  }
}

async function consumer(queue: AsyncQueue<string | null>, name: string): Promise<void> {
  for (;;) {
    const item = await queue.get();
    if (item === null) return;
    await sleep(80);
    console.log(`${name} handled ${item}`);
  }
}

async function main(): Promise<void> {
  const queue = new AsyncQueue<string | null>();
  const consumers = [consumer(queue, 'consumer A'), consumer(queue, 'consumer B')];
  await Promise.all([producer(queue, 'p1', 4), producer(queue, 'p2', 4)]);
  queue.put(null);
  queue.put(null);
  await Promise.all(consumers);
}

void main();
