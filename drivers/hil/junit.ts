// JUnit XML for HIL results (what CI servers and test dashboards read).
import type { HilResult } from './cases.ts';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function junitXml(suite: string, results: readonly HilResult[]): string {
  const failures = results.filter((r) => !r.ok).length;
  const total = results.reduce((s, r) => s + r.ms, 0) / 1000;
  const cases = results.map((r) => {
    const head = `    <testcase classname="${esc(suite)}" name="${esc(r.name)}" time="${(r.ms / 1000).toFixed(3)}"`;
    return r.ok
      ? `${head}/>`
      : `${head}>\n      <failure message="${esc(r.error ?? 'failed')}">${esc(r.error ?? '')}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${results.length}" failures="${failures}" time="${total.toFixed(3)}">`,
    `  <testsuite name="${esc(suite)}" tests="${results.length}" failures="${failures}" errors="0" skipped="0" time="${total.toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
