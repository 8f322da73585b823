// Launch Debian's /usr/bin/chromium headless through playwright-core (Playwright's own
// browser download is not available here). Shared by the browser tests and the benchmark:
//   const { launch } = require("./tests/browser/chromium.js");
//   const browser = await launch();            // a playwright Browser
//   const page = await browser.newPage(); ...; await browser.close();
"use strict";

const path = require("path");
// Resolve playwright-core from the repository's node_modules whatever the caller's cwd is.
const { chromium } = require(path.join(__dirname, "..", "..", "node_modules", "playwright-core"));

const EXECUTABLE = process.env.IRC_CHROMIUM || "/usr/bin/chromium";

// Quiet, offline, sandbox-free flags (the sandbox needs privileges containers lack).
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Headless has no GPU: WebGL2 runs on SwiftShader (software), which Chromium only
  // enables when asked to, so Keras.js GPU mode can be exercised.
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
];

async function launch(options = {}) {
  return chromium.launch({
    executablePath: EXECUTABLE,
    headless: true,
    args: FLAGS.concat(options.args || []),
    timeout: options.timeout || 60000,
  });
}

module.exports = { launch, FLAGS, EXECUTABLE };
