/** The strict exposition parser the /metrics tests rely on: it must reject what Prometheus would. */
import test from 'ava';
import { parseProm, valueOf } from '../../helpers/prom-parse.ts';

test('parses families, labels with escapes, special values and histograms', (t) => {
  const f = parseProm(
    [
      '# HELP x_total Things.\\nMore.',
      '# TYPE x_total counter',
      'x_total{a="q\\"uote",b="back\\\\slash\\nnl"} 3',
      '# TYPE g gauge',
      'g NaN',
      'g{k="v"} -Inf 1700000000000',
      '# TYPE h histogram',
      'h_bucket{le="0.1"} 1',
      'h_bucket{le="+Inf"} 2',
      'h_sum 0.3',
      'h_count 2',
      '',
    ].join('\n'),
  );
  t.is(f.get('x_total')!.help, 'Things.\nMore.');
  t.is(valueOf(f, 'x_total', { a: 'q"uote', b: 'back\\slash\nnl' }), 3);
  const [nan, inf] = f.get('g')!.samples;
  t.true(Number.isNaN(nan!.value));
  t.is(inf!.value, -Infinity);
  t.is(inf!.timestamp, 1700000000000);
  t.is(valueOf(f, 'h_count'), 2);
  t.is(f.get('h')!.samples.length, 4);
});

const bad: Record<string, string> = {
  'no final newline': 'x 1',
  'unterminated label value': 'x{a="b} 1\n',
  'negative counter': '# TYPE x counter\nx -1\n',
  'TYPE after samples': 'x 1\n# TYPE x gauge\n',
  'family split by another': 'x 1\ny 1\nx{a="1"} 2\n',
  'non-cumulative histogram': '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 1\n',
  'count differs from +Inf bucket': '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 3\nh_sum 1\n',
  'duplicate series': 'x 1\nx 2\n',
  'bad escape': 'x{a="\\q"} 1\n',
  'bad value': 'x 1e\n',
  'bad metric name': '1x 1\n',
  'histogram bucket without le': '# TYPE h histogram\nh_bucket 1\n',
};
for (const [what, text] of Object.entries(bad)) {
  test(`rejects: ${what}`, (t) => {
    t.throws(() => parseProm(text));
  });
}
