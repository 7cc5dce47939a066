/** CPU lists of `serve --answer-cpus` / `--control-cpus` (pure parts of src/dns/thread-affinity.ts and src/config-dns.ts). */
import test from 'ava';
import { parseCpuList, serveConfig } from '../../../src/config.ts';
import { affinityPlan, allowedCpus, formatCpuList } from '../../../src/dns/thread-affinity.ts';

test('CPU lists parse as taskset and /proc write them, sorted and without repeats', (t) => {
  t.deepEqual(parseCpuList('1', '--answer-cpus'), [1]);
  t.deepEqual(parseCpuList('0-3', '--answer-cpus'), [0, 1, 2, 3]);
  t.deepEqual(parseCpuList('5, 0,2-3,3', '--answer-cpus'), [0, 2, 3, 5]);
  for (const bad of ['', 'one', '1-', '-1', '3-1', '1024', '1,,2', '0x1']) {
    t.throws(() => parseCpuList(bad, '--answer-cpus'), { message: /--answer-cpus expects a CPU list/ }, bad);
  }
});

test('formatCpuList folds runs back into ranges', (t) => {
  t.is(formatCpuList([1]), '1');
  t.is(formatCpuList([0, 1, 2, 5, 7, 8]), '0-2,5,7-8');
  t.is(formatCpuList(parseCpuList('0,2-3,5', 'x')), '0,2-3,5');
});

test('the control CPUs default to the allowed ones minus the answering ones; lists outside the allowed set are refused', (t) => {
  t.deepEqual(affinityPlan({ answering: [1] }, [0, 1]), { answering: [1], control: [0] });
  t.deepEqual(affinityPlan({ answering: [2, 3] }, [0, 1, 2, 3]), { answering: [2, 3], control: [0, 1] });
  t.deepEqual(affinityPlan({ answering: [1], control: [0, 1] }, [0, 1]), { answering: [1], control: [0, 1] }, 'overlap when asked');
  t.throws(() => affinityPlan({ answering: [0, 1] }, [0, 1]), { message: /leaves no CPU for the control plane \(allowed: 0-1\)/ });
  t.throws(() => affinityPlan({ answering: [4] }, [0, 1]), { message: /--answer-cpus 4: this process may only use CPUs 0-1/ });
  t.throws(() => affinityPlan({ answering: [1], control: [7] }, [0, 1]), { message: /--control-cpus 7: this process may only use CPUs 0-1/ });
  t.throws(() => affinityPlan({ answering: [1] }, undefined), { message: /needs Linux/ });
});

test('allowedCpus reads Cpus_allowed_list', (t) => {
  t.deepEqual(allowedCpus(() => 'Name:\tnode\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n'), [0, 1]);
  t.is(allowedCpus(() => 'Name:\tnode\n'), undefined);
  t.is(allowedCpus(() => { throw new Error('ENOENT'); }), undefined);
});

test('serveConfig: --answer-cpus / MXLB_ANSWER_CPUS, --control-cpus / MXLB_CONTROL_CPUS; flags win', (t) => {
  t.is(serveConfig({}, {}).cpuAffinity, undefined);
  t.deepEqual(serveConfig({ answerCpus: '1' }, {}).cpuAffinity, { answering: [1] });
  t.deepEqual(serveConfig({}, { MXLB_ANSWER_CPUS: '2-3', MXLB_CONTROL_CPUS: '0' }).cpuAffinity, { answering: [2, 3], control: [0] });
  t.deepEqual(serveConfig({ answerCpus: '1' }, { MXLB_ANSWER_CPUS: '2' }).cpuAffinity, { answering: [1] });
  t.throws(() => serveConfig({ controlCpus: '0' }, {}), { message: /--control-cpus needs --answer-cpus/ });
});
