import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lambdaLineFacts } from './lambda-log-line.js';

const ID = '6234bffe-149a-b642-81ff-2e8e376d8aff';
const facts = (line: string) => {
  const f = lambdaLineFacts(line);
  return [f.level?.text, f.requestId];
};

describe('Lambda log lines', () => {
  it("reads the Node.js runtime's text format", () => {
    assert.deepEqual(facts(`2024-05-01T10:00:00.123Z\t${ID}\tINFO\thello\n`), ['INFO', ID]);
    assert.deepEqual(facts(`2024-05-01T10:00:00.123Z\t${ID}\tERROR\tInvoke Error {}`), ['ERROR', ID]);
    assert.deepEqual(facts(`2024-05-01T10:00:00.123Z\t${ID}\tLOUD\tx`), [undefined, ID]);
  });

  it("reads the Python runtime's text format and bracketed levels", () => {
    assert.deepEqual(facts(`[ERROR]\t2024-05-01T10:00:00.123Z\t${ID}\tboom`), ['ERROR', ID]);
    assert.deepEqual(facts('[WARNING] disk almost full'), ['WARNING', undefined]);
    assert.deepEqual(facts('[ERROR] First test message'), ['ERROR', undefined]);
    assert.deepEqual(facts('[x] not a level'), [undefined, undefined]);
  });

  it('reads the platform lines and the timeout line', () => {
    assert.deepEqual(facts(`START RequestId: ${ID} Version: $LATEST`), ['info', ID]);
    assert.deepEqual(facts(`END RequestId: ${ID}`), ['info', ID]);
    assert.deepEqual(facts(`REPORT RequestId: ${ID}\tDuration: 46.84 ms`), ['info', ID]);
    assert.deepEqual(facts(`2024-05-01T10:00:03.000Z ${ID} Task timed out after 3.00 seconds`), ['error', ID]);
  });

  it("reads Lambda's JSON log format and JSON loggers", () => {
    const json = `{"timestamp":"2024-05-01T10:00:00Z","level":"WARN","message":"slow","requestId":"${ID}"}`;
    assert.deepEqual(facts(json), ['WARN', ID]);
    assert.deepEqual(facts('{"levelname":"CRITICAL","AWSRequestId":"r-1"}'), ['CRITICAL', 'r-1']);
    assert.deepEqual(facts('{"level":30,"msg":"pino"}'), ['info', undefined]);
    assert.deepEqual(facts('{"log.level":"debug"}'), ['debug', undefined]);
    assert.deepEqual(facts('{"severity":"error","requestId":""}'), ['error', undefined]);
  });

  it('has no facts for other lines, broken JSON or JSON that is not an object', () => {
    for (const line of ['hello', '{not json', '{"a":1}', '[1]', '', 'ERROR without brackets']) {
      assert.deepEqual(facts(line), [undefined, undefined], line);
    }
  });
});
