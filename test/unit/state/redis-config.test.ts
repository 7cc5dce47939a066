import test from 'ava';
import { serveConfig } from '../../../src/config.ts';
import { MxlbError } from '../../../src/errors.ts';

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof MxlbError && error.code === 'usage') return error.message;
    throw error;
  }
  throw new Error('no usage error');
};

test('without --redis there is no cluster config; the instance id defaults to host:pid', (t) => {
  const config = serveConfig({}, {});
  t.is(config.redis, undefined);
  t.regex(config.instanceId, new RegExp(`:${process.pid}$`));
});

test('--redis with defaults, and the environment as fallback', (t) => {
  t.deepEqual(serveConfig({ redis: 'redis://10.0.0.1:6379/0' }, {}).redis, { url: 'redis://10.0.0.1:6379/0', prefix: 'mxlb:', quorum: 0 });
  const fromEnv = serveConfig({}, { MXLB_REDIS: 'rediss://:pw@r:6380', MXLB_QUORUM: '2', MXLB_REDIS_PREFIX: 'eu:', MXLB_INSTANCE_ID: 'ns1' });
  t.deepEqual(fromEnv.redis, { url: 'rediss://:pw@r:6380', prefix: 'eu:', quorum: 2 });
  t.is(fromEnv.instanceId, 'ns1');
  t.is(serveConfig({ redis: 'redis://a:1', quorum: 3 }, { MXLB_QUORUM: '2' }).redis?.quorum, 3, 'flags win');
});

test('Sentinel: addresses (names allowed) and master name', (t) => {
  const config = serveConfig({ redisSentinel: ['s1.example:26379', '10.0.0.2:26380'], redisMaster: 'mx' }, {});
  t.deepEqual(config.redis, { prefix: 'mxlb:', quorum: 0, sentinels: [{ host: 's1.example', port: 26379 }, { host: '10.0.0.2', port: 26380 }], masterName: 'mx' });
  t.is(serveConfig({}, { MXLB_REDIS_SENTINELS: 'a:1,b:2' }).redis?.masterName, 'mymaster');
});

test('bad values are usage errors with a readable message', (t) => {
  t.regex(usage(() => serveConfig({ redis: 'http://x' }, {})), /--redis expects redis:\/\//);
  t.notRegex(usage(() => serveConfig({ redis: 'http://user:secret@x' }, {})), /secret/, 'no password echoed');
  t.regex(usage(() => serveConfig({ quorum: 2 }, {})), /--quorum needs --redis/);
  t.regex(usage(() => serveConfig({ redis: 'redis://a:1', quorum: 1.5 }, {})), /--quorum must be a whole number/);
  t.regex(usage(() => serveConfig({ redis: 'redis://a:1', quorum: Number.NaN }, {})), /--quorum must be a whole number/);
  t.regex(usage(() => serveConfig({ redisSentinel: ['nohost'] }, {})), /--redis-sentinel expects HOST:PORT/);
  t.regex(usage(() => serveConfig({ redisSentinel: ['h:70000'] }, {})), /--redis-sentinel expects HOST:PORT/);
  t.regex(usage(() => serveConfig({ redis: 'redis://a:1', redisPrefix: 'a b' }, {})), /--redis-prefix/);
  t.regex(usage(() => serveConfig({ instanceId: 'has space' }, {})), /--instance-id/);
});
