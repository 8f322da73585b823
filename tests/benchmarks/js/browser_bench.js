#!/usr/bin/env node
// Time models in headless Chromium (tests/browser/chromium.js), one fresh page per job:
//
//   node browser_bench.js PAGE_URL JOBS_JSON RESULTS_JSON
//
// PAGE_URL: bench.html served over HTTP. JOBS_JSON: [runtimes.js job with model a URL,
// input.data a plain array, and a label for the progress line]. RESULTS_JSON gets
// [{backend, load_ms, warmup_ms, runs_ms, bytes, output} or {error}] in the jobs' order,
// rewritten after every job. A job that fails or outlasts TIMEOUT_MS does not stop the others.
'use strict';

const fs = require('fs');
const { launch } = require('../../browser/chromium');
const { fail } = require('../../../irc/targets/node/bridge');

// A page can hang rather than fail (a WebGL context lost on SwiftShader leaves Keras.js's
// promise pending; TF.js loading more than 6 shards did until page.js read each as it came):
// give up on it after this long (the slowest good job, Keras.js on SwiftShader, takes about 40 s).
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS || 90000);

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`no result after ${ms / 1000} s`)), ms).unref());
}

async function runJob(browser, pageUrl, job) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('response', (res) => { if (res.status() >= 400) errors.push(`HTTP ${res.status()} for ${res.url()}`); });
  try {
    await page.goto(pageUrl);
    return await Promise.race([page.evaluate((j) => window.runBench(j), job), timeout(TIMEOUT_MS)]);
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
    for (const job of jobs) {
      const start = Date.now();
      results.push(await runJob(browser, pageUrl, job));
      const outcome = results[results.length - 1].error || 'ok';
      process.stdout.write(`  ${job.label}: ${outcome} (${((Date.now() - start) / 1000).toFixed(1)} s)\n`);
      fs.writeFileSync(resultsFile, JSON.stringify(results));
    }
  } finally {
    await browser.close();
  }
}

if (process.argv.length !== 5) fail('usage: node browser_bench.js PAGE_URL JOBS_JSON RESULTS_JSON');
main(...process.argv.slice(2)).catch((err) => fail(err instanceof Error ? err.message : err));
