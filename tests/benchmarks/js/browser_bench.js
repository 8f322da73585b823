#!/usr/bin/env node
// Time models in headless Chromium (tests/browser/chromium.js), one fresh page per job:
//
//   node browser_bench.js PAGE_URL JOBS_JSON RESULTS_JSON
//
// PAGE_URL: bench.html served over HTTP. JOBS_JSON: [runtimes.js job with model a URL and
// input.data a plain array]. RESULTS_JSON gets [{backend, load_ms, warmup_ms, runs_ms, bytes,
// output} or {error}], in the jobs' order. A job that fails does not stop the others.
'use strict';

const fs = require('fs');
const { launch } = require('../../browser/chromium');
const { fail } = require('../../../irc/js/node_bridge');

async function runJob(browser, pageUrl, job) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  try {
    await page.goto(pageUrl);
    return await page.evaluate((j) => window.runBench(j), job);
  } catch (err) {
    return { error: [err.message.split('\n')[0], ...errors].join('; ') };
  } finally {
    await page.close();
  }
}

async function main(pageUrl, jobsFile, resultsFile) {
  const jobs = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
  const browser = await launch();
  try {
    const results = [];
    for (const job of jobs) results.push(await runJob(browser, pageUrl, job));
    fs.writeFileSync(resultsFile, JSON.stringify(results));
  } finally {
    await browser.close();
  }
}

if (process.argv.length !== 5) fail('usage: node browser_bench.js PAGE_URL JOBS_JSON RESULTS_JSON');
main(...process.argv.slice(2)).catch((err) => fail(err instanceof Error ? err.message : err));
