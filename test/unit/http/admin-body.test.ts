import test from 'ava';
import { BadRequest, emptyInput, overrideInput, weightInput } from '../../../src/http/admin-body.ts';

const NOW = 1_000_000;

test('drain and quarantine bodies: reason (default or required) and an optional expiry', (t) => {
  t.deepEqual(overrideInput({}, NOW, 'maintenance'), { reason: 'maintenance' });
  t.deepEqual(overrideInput({ reason: ' disk swap ', expires: '10m' }, NOW, 'maintenance'), { reason: 'disk swap', expiresAt: NOW + 600_000 });
  t.throws(() => overrideInput({}, NOW), { instanceOf: BadRequest, message: /"reason" is required/ });
  t.throws(() => overrideInput({ reason: 'x', expire: '1m' }, NOW), { instanceOf: BadRequest, message: /unknown field "expire"; allowed: reason, expires/ });
  t.throws(() => overrideInput({ reason: 'x', expires: 60 }, NOW), { instanceOf: BadRequest, message: /"expires" must be a string/ });
  t.throws(() => overrideInput({ reason: 'a\nb' }, NOW), { instanceOf: BadRequest, message: /one line/ });
  t.throws(() => overrideInput({ reason: 'x'.repeat(201) }, NOW), { instanceOf: BadRequest, message: /longer than 200/ });
});

test('weight bodies: a whole weight in range, or clear', (t) => {
  t.deepEqual(weightInput({ weight: 0 }, NOW), { clear: false, weight: 0, reason: 'weight set by operator' });
  t.deepEqual(weightInput({ weight: 20, reason: 'ramp', expires: '1h' }, NOW), { clear: false, weight: 20, reason: 'ramp', expiresAt: NOW + 3_600_000 });
  t.deepEqual(weightInput({ clear: true }, NOW), { clear: true });
  for (const weight of [-1, 1.5, '10', 1_000_001, null]) t.throws(() => weightInput({ weight }, NOW), { instanceOf: BadRequest }, String(weight));
  t.throws(() => weightInput({}, NOW), { message: /"weight" is required/ });
  t.throws(() => weightInput({ clear: true, weight: 3 }, NOW), { message: /give no "weight"/ });
});

test('undrain and release take no fields', (t) => {
  t.notThrows(() => emptyInput({}));
  t.throws(() => emptyInput({ reason: 'done' }), { instanceOf: BadRequest, message: /unknown field "reason"; allowed: none/ });
});
