// The JavaScript code-node runner: run as `node --experimental-permission --allow-fs-read=<dir>
// --allow-fs-write=<dir> -e <this>` in the sandbox's work directory (files elsewhere, child
// processes, workers and native addons are refused by Node's permission model; the jail's
// namespaces, Landlock and rlimits stand behind it). Protocol: stdin is {"code", "inputs"}; stdout
// gets one JSON object, {"result": ...} or {"error": str, "kind": str}; console output goes to stderr.
'use strict';
const fs = require('fs');
const vm = require('vm');
const { Console } = require('console');
const { Writable } = require('stream');

function writeAll(fd, text) {
  const data = Buffer.isBuffer(text) ? text : Buffer.from(String(text), 'utf8');
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += fs.writeSync(fd, data, offset, data.length - offset);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}

function emit(payload) {
  let text;
  try {
    text = JSON.stringify(payload);
  } catch (e) {
    text = JSON.stringify({ error: describe(e), kind: 'exception' });
  }
  writeAll(1, text);
}

function describe(error) {
  if (!(error instanceof Error)) return 'Uncaught ' + String(error);
  const lines = String(error.stack || error).split('\n');
  // Keep the message and the user's frames; drop the runner's and Node's internals.
  return lines.filter((line) => !/^\s+at /.test(line) || line.includes('code.js')).join('\n');
}

function isOutOfMemory(error) {
  return error instanceof RangeError && /allocation failed|out of memory/i.test(error.message);
}

// The user's prints must not mix with the result: console, process.stdout and process.stderr all
// write to fd 2, synchronously (Node would queue pipe writes in memory while a loop spins, so a
// print flood would never reach the output cap); fd 1 stays a blocking pipe only this runner uses.
const logs = new Writable({
  write(chunk, encoding, callback) {
    try {
      writeAll(2, chunk);
    } catch (e) {
      return callback(e);
    }
    callback();
  },
});
globalThis.console = new Console({ stdout: logs, stderr: logs });
for (const name of ['stdout', 'stderr']) {
  Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => logs });
}

async function run() {
  let request;
  try {
    request = JSON.parse(fs.readFileSync(0, 'utf8'));
  } catch (e) {
    return { error: 'error: bad runner input: ' + describe(e), kind: 'runner' };
  }
  const module = { exports: {} };
  let main;
  try {
    const source = '(function (require, module, exports) {\n' + request.code +
      '\n;return typeof main === "function" ? main : undefined;\n})';
    main = vm.runInThisContext(source, { filename: 'code.js', lineOffset: -1 })(require, module, module.exports);
  } catch (e) {
    return { error: describe(e), kind: 'exception' };
  }
  if (typeof main !== 'function') {
    return { error: 'error: the code must define a function main(...)', kind: 'definition' };
  }
  try {
    const result = await main(request.inputs || {});
    return { result: result === undefined ? null : result };
  } catch (e) {
    return { error: describe(e), kind: isOutOfMemory(e) ? 'memory' : 'exception' };
  }
}

run().then((payload) => {
  emit(payload);
  process.exit(0); // pending timers of the user's code must not keep the sandbox alive
});
