import test from 'ava';
import { editDistance, flagSuggestions } from '../../../src/cli/suggest.ts';

test('near-miss flags get the closest known option; wild guesses and yargs internals get none', (t) => {
  const known = ['zones', 'zones-cache', 'dns', 'http', 'log-format', 'log-level', 'json', 'help', 'version', '$0'];
  t.deepEqual(flagSuggestions('Unknown argument: zone', known), ['--zone: did you mean --zones?']);
  t.deepEqual(flagSuggestions('Unknown arguments: log-formt, logFormt', known), ['--log-formt: did you mean --log-format?']);
  t.deepEqual(flagSuggestions('Unknown argument: jsn', known), ['--jsn: did you mean --json?']);
  t.deepEqual(flagSuggestions('Unknown argument: qqqqq', known), []);
  t.deepEqual(flagSuggestions('Not enough non-option arguments', known), []);
});

test('edit distance', (t) => {
  t.is(editDistance('zone', 'zones'), 1);
  t.is(editDistance('kitten', 'sitting'), 3);
  t.is(editDistance('', 'abc'), 3);
});
