// The reference to beat: async_hooks with a full stack captured as text on every init.
const asyncHooks = require('node:async_hooks');
const fs = require('node:fs');

const out = fs.openSync('/dev/null', 'w');
let buffer = '';
let busy = false;
function write(line) {
  buffer += line;
  if (buffer.length > 65536) {
    fs.writeSync(out, buffer);
    buffer = '';
  }
}

asyncHooks.createHook({
  init(id, type, trigger) {
    if (busy) return;
    busy = true;
    write(`init ${id} ${type} ${trigger} ${performance.now()} ${new Error().stack}\n`);
    busy = false;
  },
  before(id) { write(`before ${id} ${performance.now()}\n`); },
  after(id) { write(`after ${id} ${performance.now()}\n`); },
  destroy(id) { write(`destroy ${id} ${performance.now()}\n`); },
}).enable();
