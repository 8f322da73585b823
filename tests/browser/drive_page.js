// Drive the demo page in Chromium for the browser tests (test_page.py):
//   node drive_page.js REQUEST.json   -> one JSON line on stdout
// REQUEST: {"url": "http://127.0.0.1:PORT/", "visits": [VISIT, ...]}, each VISIT
//   {"query": "gpu=0&n=4",               URL query of the page
//    "generate": [[z...], ...],         generator page: draw these z's (runtime layout)
//    "predict": {input: [...]},         raw outputs of one run (irc.predict)
//    "show": {input: [...]},            generic page: run and show these inputs
//    "upload": "image.png",             generic page: choose this file in the upload input
//    "lerp": true,                      generator page: move the slider to its end
//    "screenshot": "path.png"}          full-page screenshot at the end
// Result per visit: {ready, stats, status, mode, maxTextureSize, errors, grid: {pixels, box},
//   outputs, shown: [{output, top: [[rank, index, value]], stats: [...], values}],
//   lerp: [RGBA of the strip's z0, slider and z1 images]}.
"use strict";

const fs = require("fs");
const { launch } = require("./chromium.js");

async function shownOutputs(page) {
  return page.$$eval("#outputs section.output", (sections) => sections.map((section) => {
    const rows = (selector) => [...section.querySelectorAll(`${selector} tr`)].slice(1)
      .map((row) => [...row.cells].map((cell) => cell.textContent));
    return { output: section.dataset.output, stats: rows("table:not(.top)")[0], top: rows("table.top"),
             values: section.querySelector("p").textContent };
  }));
}

// In the page: WebGL2's MAX_TEXTURE_SIZE (0 without WebGL2).
function maxTextureSize() {
  const gl = document.createElement("canvas").getContext("webgl2");
  return gl ? gl.getParameter(gl.MAX_TEXTURE_SIZE) : 0;
}

async function visit(browser, url, request) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
  await page.goto(`${url}?${request.query || ""}`);
  const result = { ready: await page.evaluate(() => window.irc.ready), errors };
  if (request.generate) {
    await page.evaluate((zs) => window.irc.generate(zs), request.generate);
    result.grid = { pixels: await page.evaluate(() => window.irc.gridPixels()),
                    box: await page.locator("#grid canvas").first().boundingBox() };
  }
  if (request.lerp) {
    await page.locator("#lerp").fill("100");          // fires "input", as a drag does
    await page.waitForFunction(() => document.getElementById("lerp-t").textContent === "1.00");
    result.lerp = await page.$$eval("#lerp-strip canvas", (canvases) => canvases.map((canvas) =>
      Array.from(canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data)));
  }
  if (request.predict) {
    result.outputs = await page.evaluate(async (feeds) => Object.fromEntries(
      Object.entries(await window.irc.predict(feeds)).map(([name, data]) => [name, Array.from(data)])), request.predict);
  }
  result.shown = [];
  if (request.show) {
    await page.evaluate((feeds) => window.irc.show(feeds), request.show);
    result.shown.push(await shownOutputs(page));
  }
  if (request.upload) {
    const before = await page.evaluate(() => window.irc.stats.shown);
    await page.setInputFiles("#upload", request.upload);
    await page.waitForFunction((n) => window.irc.stats.shown > n, before);
    result.shown.push(await shownOutputs(page));
  }
  Object.assign(result, await page.evaluate(() => ({
    stats: window.irc.stats, status: document.getElementById("status").textContent,
    mode: document.getElementById("mode").textContent })));
  result.maxTextureSize = await page.evaluate(maxTextureSize);
  if (request.screenshot) await page.screenshot({ path: request.screenshot, fullPage: true });
  await page.close();
  return result;
}

async function main() {
  const request = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const browser = await launch();
  try {
    const results = [];
    for (const visitRequest of request.visits) results.push(await visit(browser, request.url, visitRequest));
    process.stdout.write(JSON.stringify(results) + "\n");
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  console.error(`drive_page.js: ${err.message.split("\n")[0]}`);
  process.exit(1);
});
